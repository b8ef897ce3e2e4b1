"""Word pools for demo data: Chinese and English company and person names, texts.

Pools are plain tuples so a seeded ``random.Random`` picks the same names every run.
"""

from __future__ import annotations

import random

# (code, zh, en, area code) -- ordered so the first cities of each scale fall into the
# first areas of that scale (small: two East cities, medium: East/South/North/West only).
CITIES: tuple[tuple[str, str, str, str], ...] = (
    ("SH", "上海", "Shanghai", "EAST"),
    ("SUZ", "苏州", "Suzhou", "EAST"),
    ("GZ", "广州", "Guangzhou", "SOUTH"),
    ("BJ", "北京", "Beijing", "NORTH"),
    ("CD", "成都", "Chengdu", "WEST"),
    ("SZ", "深圳", "Shenzhen", "SOUTH"),
    ("HZ", "杭州", "Hangzhou", "EAST"),
    ("TJ", "天津", "Tianjin", "NORTH"),
    ("CQ", "重庆", "Chongqing", "WEST"),
    ("NJ", "南京", "Nanjing", "EAST"),
    ("WH", "武汉", "Wuhan", "CENTRAL"),
    ("CS", "长沙", "Changsha", "CENTRAL"),
    ("ZZ", "郑州", "Zhengzhou", "CENTRAL"),
    ("XM", "厦门", "Xiamen", "SOUTH"),
    ("FZ", "福州", "Fuzhou", "SOUTH"),
    ("NB", "宁波", "Ningbo", "EAST"),
    ("HF", "合肥", "Hefei", "CENTRAL"),
    ("QD", "青岛", "Qingdao", "NORTH"),
    ("JN", "济南", "Jinan", "NORTH"),
    ("SY", "沈阳", "Shenyang", "NORTH"),
    ("DL", "大连", "Dalian", "NORTH"),
    ("XA", "西安", "Xi'an", "WEST"),
    ("KM", "昆明", "Kunming", "WEST"),
    ("HRB", "哈尔滨", "Harbin", "NORTH"),
)
AREAS: tuple[tuple[str, str, str], ...] = (
    ("EAST", "华东", "East China"),
    ("SOUTH", "华南", "South China"),
    ("NORTH", "华北", "North China"),
    ("WEST", "西部", "West China"),
    ("CENTRAL", "华中", "Central China"),
)

# (code, zh, en, kind); distributors carry the area they serve.
CHANNELS: tuple[tuple[str, str, str, str, str | None], ...] = (
    ("DIRECT", "直销", "Direct sales", "direct", None),
    ("DIST-EAST", "华东经销商", "East China distributor", "distributor", "EAST"),
    ("ONLINE", "电商平台", "Online store", "online", None),
    ("DIST-SOUTH", "华南经销商", "South China distributor", "distributor", "SOUTH"),
    ("KA", "大客户部", "Key accounts", "direct", None),
    ("DIST-NORTH", "华北经销商", "North China distributor", "distributor", "NORTH"),
    ("DIST-WEST", "西部经销商", "West China distributor", "distributor", "WEST"),
    ("RETAIL", "零售门店", "Retail stores", "retail", None),
    ("DIST-CENTRAL", "华中经销商", "Central China distributor", "distributor", "CENTRAL"),
    ("EXPORT", "出口代理", "Export agent", "distributor", None),
)

# category (zh en), unit, price range in yuan, quantity range per line, line weight
PRODUCT_FAMILIES: tuple[tuple[str, str, str, int, int, int, int, float], ...] = (
    ("紧固件 Fasteners", "螺栓", "Bolt", 5, 80, 50, 2000, 5.0),
    ("轴承 Bearings", "轴承", "Bearing", 60, 600, 10, 200, 4.0),
    ("锻件 Forgings", "精密锻件", "Precision forging", 800, 5000, 5, 80, 3.0),
    ("液压件 Hydraulics", "液压泵", "Hydraulic pump", 2000, 20000, 1, 20, 1.5),
    ("服务 Services", "维保服务", "Maintenance service", 1000, 10000, 1, 5, 1.0),
    ("设备 Machines", "数控机床", "CNC machine", 80000, 600000, 1, 2, 0.15),
)
MODEL_PREFIX = ("FB", "BR", "PF", "HP", "MS", "CNC")

ZH_BRANDS = (
    "精锻",
    "恒通",
    "华信",
    "金泰",
    "宏达",
    "永盛",
    "鑫源",
    "中联",
    "长城",
    "东方",
    "天成",
    "瑞丰",
    "海川",
    "广源",
    "新锐",
    "博远",
    "盛世",
    "安泰",
    "汇丰",
    "德隆",
    "信达",
    "联创",
    "锦程",
    "华宇",
    "万通",
    "正泰",
    "富华",
    "振华",
    "远大",
    "卓越",
    "宝钢",
    "凯达",
    "明辉",
    "力源",
    "九洲",
    "飞龙",
    "百川",
    "同舟",
    "星河",
    "隆鑫",
)
ZH_INDUSTRIES = (
    ("机械", "machinery"),
    ("电子", "electronics"),
    ("汽车配件", "automotive"),
    ("建材", "construction"),
    ("化工", "chemicals"),
    ("物流", "logistics"),
    ("贸易", "trading"),
    ("科技", "technology"),
    ("精密制造", "manufacturing"),
    ("能源", "energy"),
    ("船舶", "shipbuilding"),
    ("工程", "engineering"),
)
ZH_FORMS = ("有限公司", "有限公司", "股份有限公司", "集团有限公司")
EN_BRANDS = (
    "Harbor",
    "Summit",
    "Pacific",
    "Golden Gate",
    "Evergreen",
    "Northstar",
    "Bluewater",
    "Redwood",
    "Silverline",
    "Ironbridge",
    "Oakridge",
    "Lakeside",
    "Pioneer",
    "Crescent",
    "Falcon",
    "Meridian",
    "Atlas",
    "Sterling",
    "Keystone",
    "Horizon",
)
EN_FIELDS = (
    ("Precision", "manufacturing"),
    ("Machinery", "machinery"),
    ("Electronics", "electronics"),
    ("Logistics", "logistics"),
    ("Trading", "trading"),
    ("Components", "automotive"),
    ("Tooling", "machinery"),
    ("Energy", "energy"),
    ("Engineering", "engineering"),
    ("Materials", "construction"),
)
EN_FORMS = ("Ltd", "Co., Ltd", "Inc.", "Group", "Holdings")

ZH_SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾"
ZH_GIVEN = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "华",
    "平",
    "刚",
    "桂英",
    "建国",
    "志强",
    "海燕",
    "晓东",
    "文博",
    "雪梅",
    "子涵",
    "思远",
    "俊杰",
    "欣怡",
)
EN_FIRST = (
    "James",
    "Mary",
    "Linda",
    "David",
    "Emma",
    "Oliver",
    "Sophia",
    "Daniel",
    "Grace",
    "Henry",
    "Chloe",
    "Lucas",
    "Amelia",
    "Ethan",
    "Isabel",
    "Noah",
    "Hannah",
    "Leo",
)
EN_LAST = (
    "Smith",
    "Chen",
    "Wong",
    "Taylor",
    "Brown",
    "Lee",
    "Walker",
    "Harris",
    "Clarke",
    "Lin",
    "Evans",
    "Turner",
    "Hughes",
    "Morgan",
    "Ng",
    "Cooper",
)
TITLES = (
    ("总经理", "General Manager"),
    ("采购经理", "Purchasing Manager"),
    ("技术总监", "Technical Director"),
    ("财务经理", "Finance Manager"),
    ("生产主管", "Production Supervisor"),
    ("采购专员", "Buyer"),
)
SOURCES = ("exhibition", "phone", "referral", "list", "website")
WEATHER = ("晴 Sunny", "多云 Cloudy", "阴 Overcast", "小雨 Light rain", "大风 Windy")
# The daily report header's typed weather for each of the words above
WEATHER_CODES = dict(zip(WEATHER, ("sunny", "cloudy", "overcast", "rain", "windy"), strict=True))

VISIT_RESULTS: dict[str, tuple[tuple[str, str], ...]] = {
    "order": (
        ("客户下单，下周发货", "Order placed, ships next week"),
        ("确认追加订单数量", "Confirmed the extra order quantity"),
    ),
    "collection": (
        ("收回上月货款", "Collected last month's payment"),
        ("客户承诺月底付款", "Customer promised payment by month end"),
    ),
    "development": (
        ("初次拜访，了解需求", "First visit, learned their needs"),
        ("演示样品，客户有兴趣", "Showed samples, customer interested"),
        ("约定下次技术交流", "Agreed a technical meeting"),
    ),
    "service": (
        ("处理质量投诉", "Handled a quality complaint"),
        ("现场安装调试完成", "On-site installation finished"),
    ),
    "explanation": (
        ("介绍新产品与价格政策", "Explained new products and price policy"),
        ("说明年度返利政策", "Explained the annual rebate policy"),
    ),
}
WON_REASONS = (
    "价格有竞争力 Competitive price",
    "技术方案领先 Best technical solution",
    "老客户信任 Long-standing relationship",
    "交期最短 Shortest delivery time",
)
LOST_REASONS = (
    "价格偏高 Price too high",
    "竞争对手中标 Lost to a competitor",
    "预算取消 Budget cancelled",
    "项目搁置 No decision, project shelved",
    "交期太长 Delivery too slow",
)


def company_name(rng: random.Random, city_zh: str, city_en: str) -> tuple[str, str, bool]:
    """A company name, its industry, and whether the name is Chinese (about 70%)."""
    if rng.random() < 0.7:
        word, industry = rng.choice(ZH_INDUSTRIES)
        return f"{city_zh}{rng.choice(ZH_BRANDS)}{word}{rng.choice(ZH_FORMS)}", industry, True
    field, industry = rng.choice(EN_FIELDS)
    brand = rng.choice(EN_BRANDS)
    if rng.random() < 0.3:
        brand = f"{city_en} {brand}"
    return f"{brand} {field} {rng.choice(EN_FORMS)}", industry, False


def person_name(rng: random.Random, chinese: bool) -> str:
    if chinese:
        return rng.choice(ZH_SURNAMES) + rng.choice(ZH_GIVEN)
    return f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"


def pinyin_initials(rng: random.Random) -> str:
    """A plausible e-mail local part (we do not transliterate; initials are enough)."""
    return "".join(rng.choice("abcdefghjklmnpqrstwxyz") for _ in range(3))
