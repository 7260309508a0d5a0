"""The default mapping for Shanghai: departments (委办局) and scope rules.

A starting point the bureau maintains afterwards (list/edit page and spreadsheet import):
department names are those of the Shanghai municipal government; keywords follow the standard
wording of business scopes (经营范围规范表述, 2021); the legal basis names the law or
regulation that sets the licence. Articles are given only where the text was checked; the
rest is LOCAL and must be confirmed by the bureau's legal division before going live (see
docs/user-guide/dual_notification.md). Food, drugs, medical devices, special equipment and
inspection bodies are the market regulation system's own licences (``internal``).
"""

from __future__ import annotations

# code, name, short name, internal
DEPARTMENTS = (
    ("SCJG", "上海市市场监督管理局（许可部门）", "市场监管", True),
    ("YJ", "上海市药品监督管理局", "药监局", True),
    ("JTW", "上海市交通委员会", "交通委", False),
    ("WJW", "上海市卫生健康委员会", "卫健委", False),
    ("JW", "上海市教育委员会", "教委", False),
    ("RSJ", "上海市人力资源和社会保障局", "人社局", False),
    ("YJGL", "上海市应急管理局", "应急管理局", False),
    ("XWCB", "上海市新闻出版局", "新闻出版局", False),
    ("WLJ", "上海市文化和旅游局", "文旅局", False),
    ("YCZM", "上海市烟草专卖局", "烟草专卖局", False),
    ("TXGL", "上海市通信管理局", "通信管理局", False),
    ("GAJ", "上海市公安局", "公安局", False),
    ("STHJ", "上海市生态环境局", "生态环境局", False),
    ("NYNC", "上海市农业农村委员会", "农业农村委", False),
    ("JLZM", "上海市酒类专卖管理局", "酒类专卖局", False),
    ("ZJW", "上海市住房和城乡建设管理委员会", "住建委", False),
    ("TYJ", "上海市体育局", "体育局", False),
    ("GBDS", "上海市广播电视局", "广播电视局", False),
    ("LHSR", "上海市绿化和市容管理局", "绿化市容局", False),
)

# department code, keywords, industry prefixes, section, licence, legal basis, priority
RULES = (
    # The bureau's own licences first: they hold the longer, more specific phrases.
    ("SCJG", "食品销售、食品经营、餐饮服务、小餐饮、食品小作坊经营", "", "licensed",
     "食品经营许可证（仅销售预包装食品的办理备案）", "《中华人民共和国食品安全法》第三十五条", 300),
    ("SCJG", "食品生产、食品添加剂生产", "", "licensed",
     "食品生产许可证", "《中华人民共和国食品安全法》第三十五条", 300),
    ("SCJG", "特种设备安装改造修理、特种设备制造、特种设备检验检测、移动式压力容器充装、气瓶充装",
     "", "licensed", "特种设备生产（充装）许可", "《中华人民共和国特种设备安全法》", 300),
    ("SCJG", "检验检测服务", "", "licensed", "检验检测机构资质认定",
     "《检验检测机构资质认定管理办法》", 250),
    ("SCJG", "电线、电缆制造、危险化学品包装物及容器生产", "", "licensed",
     "工业产品生产许可证", "《中华人民共和国工业产品生产许可证管理条例》", 250),
    ("YJ", "药品零售", "5251", "licensed", "药品经营许可证（零售）",
     "《中华人民共和国药品管理法》第五十一条", 300),
    ("YJ", "药品批发、药品生产", "", "licensed", "药品经营（生产）许可证",
     "《中华人民共和国药品管理法》第五十一条", 300),
    ("YJ", "第三类医疗器械经营、第二类医疗器械经营、医疗器械经营、医疗器械生产", "", "any",
     "医疗器械经营（生产）许可证", "《医疗器械监督管理条例》", 300),
    # Other departments.
    ("JTW", "道路货物运输、道路旅客运输、道路危险货物运输、机动车驾驶员培训、网络预约出租汽车经营",
     "542、543", "licensed", "道路运输经营许可证", "《中华人民共和国道路运输条例》", 200),
    ("JTW", "机动车修理和维护、机动车维修", "8111", "any", "机动车维修经营备案",
     "《中华人民共和国道路运输条例》", 150),
    ("WJW", "医疗服务、诊所服务、医疗美容服务、母婴保健技术服务", "841、842", "licensed",
     "医疗机构执业许可证", "《医疗机构管理条例》", 200),
    ("WJW", "住宿服务、公共场所卫生、洗浴服务、游泳场所", "", "licensed",
     "公共场所卫生许可证", "《公共场所卫生管理条例》", 150),
    ("JW", "学科类校外培训、校外培训、民办教育、学前教育、教育培训", "", "licensed",
     "民办学校办学许可证", "《中华人民共和国民办教育促进法》", 150),
    ("RSJ", "职业中介活动、劳务派遣服务、人力资源服务", "7262、7263", "licensed",
     "人力资源服务许可证 / 劳务派遣经营许可证", "《人力资源市场暂行条例》；《中华人民共和国劳动合同法》第五十七条", 150),
    ("RSJ", "职业技能培训", "8391", "licensed", "民办职业培训学校办学许可证",
     "《中华人民共和国民办教育促进法》", 160),
    ("YJGL", "危险化学品经营、危险化学品生产、危险化学品仓储、烟花爆竹经营", "", "licensed",
     "危险化学品经营（安全生产）许可证", "《危险化学品安全管理条例》", 200),
    ("XWCB", "出版物零售、出版物批发、出版物互联网销售、出版物印刷、包装装潢印刷品印刷",
     "5143、5144、5243、862", "licensed", "出版物经营许可证 / 印刷经营许可证",
     "《出版管理条例》；《印刷业管理条例》", 150),
    ("WLJ", "旅游业务、入境旅游业务、出境旅游业务", "7291", "licensed",
     "旅行社业务经营许可证", "《旅行社条例》", 150),
    ("WLJ", "营业性演出、演出经纪、娱乐性场所经营、歌舞娱乐、网络文化经营、互联网上网服务",
     "9011", "licensed", "营业性演出 / 娱乐经营 / 网络文化经营许可证",
     "《营业性演出管理条例》；《娱乐场所管理条例》", 150),
    ("YCZM", "烟草制品零售、烟草制品批发、卷烟零售、雪茄烟零售", "5227、16", "any",
     "烟草专卖零售（批发）许可证", "《中华人民共和国烟草专卖法》", 200),
    ("TXGL", "第一类增值电信业务、第二类增值电信业务、互联网信息服务、基础电信业务", "", "licensed",
     "增值电信业务经营许可证", "《中华人民共和国电信条例》", 150),
    ("GAJ", "住宿服务、旅馆业", "", "licensed", "特种行业许可证（旅馆业）",
     "《旅馆业治安管理办法》", 140),
    ("GAJ", "保安服务、印章刻制、公章刻制", "7271", "licensed", "保安服务许可证 / 印章刻制业许可",
     "《保安服务管理条例》", 140),
    ("STHJ", "危险废物经营、危险废物收集", "", "licensed", "危险废物经营许可证",
     "《中华人民共和国固体废物污染环境防治法》", 200),
    ("NYNC", "农药零售、农药批发、兽药经营、兽药生产、农作物种子经营", "", "licensed",
     "农药（兽药、种子）经营许可证", "《农药管理条例》；《兽药管理条例》", 150),
    ("JLZM", "酒类经营、酒类零售、酒类批发", "", "any", "酒类商品零售（批发）许可证",
     "《上海市酒类商品产销管理条例》（LOCAL）", 150),
    ("ZJW", "建设工程施工、建设工程设计、房地产开发经营、建设工程监理", "", "licensed",
     "建筑业企业资质 / 房地产开发企业资质", "《中华人民共和国建筑法》", 150),
    ("TYJ", "高危险性体育运动", "", "any", "高危险性体育项目经营许可",
     "《全民健身条例》", 150),
    ("GBDS", "广播电视节目制作经营、广播电视节目传送", "", "licensed",
     "广播电视节目制作经营许可证", "《广播电视管理条例》", 150),
    ("LHSR", "城市生活垃圾经营性服务、城市建筑垃圾处置", "", "licensed",
     "城市生活垃圾经营性服务许可", "《城市市容和环境卫生管理条例》", 150),
)  # fmt: skip
