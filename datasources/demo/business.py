"""Generators of the business demo sets: ecommerce (an online shop) and ad (advertising)."""

import datetime as dt
import random

from datasources.demo.common import END, REGION_WEIGHTS, REGIONS, SEED, START, email, faker, names, random_day, scaled


def ecommerce(scale: float) -> dict[str, list[tuple]]:
    rng, fake = random.Random(SEED), faker(SEED)
    n_customers, n_products, n_orders = scaled(2000, scale), scaled(300, scale, 10), scaled(12000, scale, 20)
    customers = []
    for i, name in enumerate(names(fake, n_customers), start=1):
        customers.append(
            (
                i,
                name,
                email(rng, "customer", i),
                rng.choice("MF"),
                rng.randint(1960, 2005),
                rng.choices(REGIONS, REGION_WEIGHTS)[0],
                rng.choices(["bronze", "silver", "gold", "vip"], [50, 30, 15, 5])[0],
                random_day(rng, dt.date(2020, 1, 1), END).isoformat(),
            )
        )
    categories = {
        "전자제품": (
            ["Galaxy", "Sony", "LG", "Apple", "Xiaomi"],
            ["무선 이어폰", "스마트워치", "노트북", "모니터", "태블릿"],
        ),
        "의류": (["Uniqlo", "Nike", "Adidas", "Musinsa", "Zara"], ["티셔츠", "청바지", "패딩", "후드티", "운동화"]),
        "도서": (
            ["민음사", "창비", "문학동네", "한빛미디어", "위즈덤"],
            ["소설", "에세이", "프로그래밍", "자기계발", "만화"],
        ),
        "식품": (["CJ", "농심", "오뚜기", "풀무원", "동원"], ["라면", "김치", "커피", "견과류", "생수"]),
        "뷰티": (
            ["이니스프리", "설화수", "라네즈", "미샤", "닥터자르트"],
            ["토너", "선크림", "립스틱", "마스크팩", "세럼"],
        ),
        "스포츠": (
            ["Nike", "Decathlon", "Wilson", "Yonex", "Asics"],
            ["요가매트", "덤벨", "테니스 라켓", "배드민턴 라켓", "러닝화"],
        ),
        "가구": (["IKEA", "한샘", "리바트", "시디즈", "까사미아"], ["의자", "책상", "침대", "소파", "수납장"]),
    }
    products = []
    for i in range(1, n_products + 1):
        category = rng.choice(list(categories))
        brands, kinds = categories[category]
        brand, kind = rng.choice(brands), rng.choice(kinds)
        price = round(
            rng.choice([9900, 19900, 29900, 49000, 89000, 159000, 299000, 890000]) * rng.uniform(0.8, 1.3), -2
        )
        products.append(
            (
                i,
                f"{brand} {kind} {rng.randint(1, 99)}",
                category,
                brand,
                float(price),
                float(round(price * rng.uniform(0.45, 0.75), -1)),
                rng.randint(0, 500),
                rng.random() > 0.08,
                random_day(rng, dt.date(2022, 1, 1), END).isoformat(),
            )
        )
    orders, items = [], []
    item_id = 0
    for i in range(1, n_orders + 1):
        customer = rng.randint(1, n_customers)
        total = 0.0
        for _ in range(rng.choices([1, 2, 3, 4], [45, 30, 15, 10])[0]):
            item_id += 1
            product = products[rng.randint(0, n_products - 1)]
            quantity = rng.choices([1, 2, 3], [75, 20, 5])[0]
            items.append((item_id, i, product[0], quantity, product[4]))
            total += quantity * product[4]
        orders.append(
            (
                i,
                customer,
                random_day(rng).isoformat(),
                rng.choices(["delivered", "shipped", "paid", "cancelled", "refunded"], [70, 10, 8, 8, 4])[0],
                rng.choices(["card", "kakao_pay", "naver_pay", "bank_transfer"], [50, 25, 15, 10])[0],
                customers[customer - 1][5],
                round(total, 2),
            )
        )
    titles = ["아주 만족합니다", "배송이 빨라요", "가성비 좋아요", "그냥 그래요", "다시 구매할게요", "품질이 아쉬워요"]
    reviews = [
        (
            i,
            rng.randint(1, n_products),
            rng.randint(1, n_customers),
            rng.choices([1, 2, 3, 4, 5], [5, 7, 15, 33, 40])[0],
            rng.choice(titles),
            random_day(rng).isoformat(),
        )
        for i in range(1, scaled(5000, scale) + 1)
    ]
    return {"customers": customers, "products": products, "orders": orders, "order_items": items, "reviews": reviews}


def ad(scale: float) -> dict[str, list[tuple]]:
    rng = random.Random(SEED + 3)
    products = [
        "여름 세일",
        "신학기",
        "블랙프라이데이",
        "설날 특가",
        "신제품 출시",
        "앱 설치",
        "브랜드 인지도",
        "회원 가입",
    ]
    campaigns, ad_groups, ads, impressions, clicks, conversions = [], [], [], [], [], []
    n_campaigns = scaled(40, scale, 4)
    for i in range(1, n_campaigns + 1):
        start = random_day(rng, START, END - dt.timedelta(days=60))
        end = start + dt.timedelta(days=rng.randint(30, 120))
        status = "ended" if end < END else rng.choice(["active", "active", "paused"])
        campaigns.append(
            (
                i,
                f"{rng.choice(products)} {start.year}-{i:02d}",
                rng.choice(["search", "display", "social", "video"]),
                rng.choice(["awareness", "traffic", "sales"]),
                float(rng.randint(5, 200) * 1_000_000),
                start.isoformat(),
                min(end, END).isoformat(),
                status,
            )
        )
    for campaign in campaigns:
        for _ in range(4):
            gid = len(ad_groups) + 1
            ad_groups.append(
                (
                    gid,
                    campaign[0],
                    f"그룹 {gid}",
                    rng.choices(REGIONS, REGION_WEIGHTS)[0],
                    rng.choice(["18-24", "25-34", "35-44", "45-54", "55+"]),
                )
            )
    for group in ad_groups:
        campaign = campaigns[group[1] - 1]
        for _ in range(rng.randint(2, 5)):
            ads.append(
                (
                    len(ads) + 1,
                    group[0],
                    f"{campaign[1].split(' 20')[0]} 지금 확인하세요 #{len(ads) + 1}",
                    rng.choice(["text", "image", "carousel", "video"]),
                    campaign[5],
                )
            )
    day_budget = max(1, int(60 * min(1.0, scale * 2)))
    for ad_row in ads:
        campaign = campaigns[ad_groups[ad_row[1] - 1][1] - 1]
        start = dt.date.fromisoformat(campaign[5])
        quality = rng.uniform(0.005, 0.04)
        for d in range(0, min(day_budget, (dt.date.fromisoformat(campaign[6]) - start).days + 1)):
            day = start + dt.timedelta(days=d)
            shown = rng.randint(200, 5000)
            impressions.append(
                (
                    len(impressions) + 1,
                    ad_row[0],
                    day.isoformat(),
                    shown,
                    float(round(shown * rng.uniform(1.5, 6.0), 2)),
                )
            )
            for _ in range(int(shown * quality / 40)):
                at = dt.datetime.combine(day, dt.time(rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)))
                cid = len(clicks) + 1
                clicks.append(
                    (
                        cid,
                        ad_row[0],
                        at.isoformat(sep=" "),
                        rng.choices(["mobile", "desktop", "tablet"], [70, 25, 5])[0],
                        rng.choices(REGIONS, REGION_WEIGHTS)[0],
                    )
                )
                if rng.random() < 0.12:
                    kind = rng.choice(["purchase", "purchase", "signup"])
                    revenue = float(round(rng.uniform(9_900, 300_000), -2)) if kind == "purchase" else 0.0
                    later = at + dt.timedelta(minutes=rng.randint(1, 600))
                    conversions.append((len(conversions) + 1, cid, later.isoformat(sep=" "), kind, revenue))
    return {
        "campaigns": campaigns,
        "ad_groups": ad_groups,
        "ads": ads,
        "impressions": impressions,
        "clicks": clicks,
        "conversions": conversions,
    }
