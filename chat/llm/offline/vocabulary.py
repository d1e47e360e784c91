"""Words and phrase patterns the offline translator recognises, in English and Korean.

A small bilingual glossary of everyday data words (price/가격, customer/고객, …)
helps match Korean questions to English names; it is a language aid, never a
list of tables. Shape patterns (counts, rankings, groups, comparisons) are
matched against the lowered question.
"""

import re

HANGUL = re.compile(r"[\uac00-\ud7a3]")
WORD = re.compile(r"[a-z0-9]+|[\uac00-\ud7a3]+")
# A name as typed, underscores kept: "order_items" is one table, not "order" and "items".
NAME_TOKEN = re.compile(r"[a-z0-9_]+|[\uac00-\ud7a3]+")
# Endings of a Korean question's last word: "개인가요" is the counter 개, "몇 명입니까" the counter 명.
KO_ENDINGS = ("인가요", "입니까", "이에요", "입니다", "인지", "인가", "이야", "예요", "이다", "야", "요")
KO_PARTICLES = (
    "에서는",
    "으로는",
    "에서",
    "으로",
    "까지",
    "부터",
    "마다",
    "별로",
    "들은",
    "들이",
    "들의",
    "은",
    "는",
    "이",
    "가",
    "을",
    "를",
    "의",
    "에",
    "로",
    "와",
    "과",
    "도",
    "만",
    "들",
)
STOP_WORDS = {
    "the", "a", "an", "of", "in", "on", "for", "to", "and", "or", "is", "are", "was", "were", "with", "by",
    "per", "each", "what", "which", "who", "how", "many", "much", "me", "show", "list", "all", "give", "get",
    "find", "number", "count", "total", "sum", "average", "avg", "mean", "top", "most", "least", "highest",
    "lowest", "maximum", "minimum", "max", "min", "do", "does", "we", "have", "there", "that", "this", "from",
    "table", "record", "records", "row", "rows", "data", "it", "its", "their", "be", "as", "at", "id",
}  # fmt: skip

# Everyday data words in English and Korean; each group is one concept.
GLOSSARY = [
    {"price", "cost", "expensive", "cheap", "cheapest", "가격", "비싼", "비싸", "싼", "저렴", "저렴한", "단가", "값"},
    {"amount", "revenue", "sales", "금액", "총액", "매출", "판매액"},
    {"customer", "client", "고객", "손님", "회원"},
    {"user", "사용자", "유저"},
    {"product", "item", "goods", "상품", "제품", "물건"},
    {"order", "purchase", "주문", "구매"},
    {"category", "type", "kind", "카테고리", "분류", "종류", "유형"},
    {"employee", "staff", "worker", "직원", "사원", "임직원"},
    {"department", "dept", "team", "부서", "팀", "학과"},
    {"salary", "pay", "wage", "급여", "연봉", "월급", "봉급"},
    {"student", "학생"},
    {"course", "class", "subject", "강의", "과목", "수업", "강좌"},
    {"grade", "score", "mark", "성적", "점수", "학점"},
    {"name", "title", "이름", "명칭", "제목"},
    {"country", "nation", "국가", "나라"},
    {"city", "도시"},
    {"region", "area", "지역"},
    {"date", "day", "time", "날짜", "일자", "일시"},
    {"quantity", "qty", "count", "수량"},
    {"rating", "stars", "평점", "별점"},
    {"review", "리뷰", "후기"},
    {"age", "나이", "연령"},
    {"gender", "sex", "성별"},
    {"email", "mail", "이메일"},
    {"phone", "전화", "전화번호"},
    {"status", "state", "상태"},
    {"year", "연도", "년도"},
    {"month", "월"},
    {"budget", "예산"},
    {"campaign", "캠페인"},
    {"click", "클릭"},
    {"impression", "view", "노출"},
    {"conversion", "전환"},
    {"stock", "inventory", "재고"},
    {"hire", "hired", "입사"},
    {"attendance", "출근", "출석", "근태"},
    {"enrollment", "enrolment", "수강", "등록"},
    {"newest", "latest", "recent", "최근", "최신"},
    {"book", "책", "도서"},
    {"genre", "장르"},
    {"pages", "page", "쪽수", "페이지", "분량"},
    {"length", "길이"},
    {"duration", "runtime", "재생시간"},
    {"size", "크기", "용량"},
    {"weight", "무게", "중량"},
    {"total", "합계"},
    {"tier", "level", "등급"},
    {"job", "position", "직급", "직책", "직위"},
    {"assessment", "exam", "test", "평가", "시험"},
    {"semester", "term", "학기"},
    {"admission", "admitted", "입학"},
    {"instructor", "teacher", "professor", "강사", "교수"},
    {"payment", "결제"},
    {"method", "수단", "방법"},
    {"brand", "브랜드"},
    {"location", "위치", "근무지"},
    {"major", "전공"},
    {"credit", "credits", "학점"},
    {"channel", "채널"},
    {"device", "기기", "디바이스"},
    {"revenue", "수익"},
    {"format", "형식", "포맷"},
    {"group", "그룹"},
    {"track", "song", "트랙", "곡", "노래"},
    {"patient", "환자"},
    {"doctor", "physician", "의사"},
    {"appointment", "예약", "진료"},
    {"vehicle", "car", "차량", "자동차"},
    {"driver", "운전자", "기사"},
    {"trip", "ride", "운행", "주행"},
    {"ad", "ads", "advert", "advertisement", "광고"},
]

# Superlatives that name a measure rather than a column: "the 5 longest tracks" ranks by the one numeric
# column whose name or description fits. Each maps to (direction, words such a column's name or description holds).
_LENGTH = {"length", "long", "duration", "milliseconds", "millisecond", "ms", "seconds", "minutes", "runtime"}
_LENGTH |= {"distance", "km", "miles", "kilometers", "kilometres", "거리"}
_LENGTH |= {"pages", "page", "길이", "분량", "쪽수", "재생시간"}
_PRICE = {"price", "cost", "fee", "amount", "unitprice", "가격", "단가", "금액"}
_SIZE = {"size", "bytes", "byte", "area", "capacity", "tonnage", "volume", "total", "amount", "population"}
_SIZE |= {"크기", "용량", "톤수", "면적"}
_WEIGHT = {"weight", "kg", "grams", "무게", "중량"}
SUPERLATIVES = {
    "longest": ("DESC", _LENGTH),
    "shortest": ("ASC", _LENGTH),
    "긴": ("DESC", _LENGTH),
    "짧은": ("ASC", _LENGTH),
    "expensive": ("DESC", _PRICE),
    "priciest": ("DESC", _PRICE),
    "cheapest": ("ASC", _PRICE),
    "비싼": ("DESC", _PRICE),
    "저렴한": ("ASC", _PRICE),
    "biggest": ("DESC", _SIZE),
    "largest": ("DESC", _SIZE),
    "smallest": ("ASC", _SIZE),
    "큰": ("DESC", _SIZE),
    "작은": ("ASC", _SIZE),
    "heaviest": ("DESC", _WEIGHT),
    "lightest": ("ASC", _WEIGHT),
    "무거운": ("DESC", _WEIGHT),
    "가벼운": ("ASC", _WEIGHT),
}

# Words with no content of their own: a question may use them without the SQL placing them.
FILLER_WORDS = {
    "the", "a", "an", "of", "in", "on", "for", "to", "and", "is", "are", "was", "were", "be", "been", "there",
    "what", "which", "who", "whose", "whom", "me", "us", "show", "list", "all", "give", "get", "find", "display",
    "tell", "do", "does", "did", "we", "our", "my", "i", "you", "can", "could", "would", "please", "have", "has",
    "had", "that", "this", "these", "those", "it", "its", "their", "from", "with", "at", "as", "table", "tables",
    "record", "records", "row", "rows", "data", "entries", "entry", "every", "any", "about", "each", "overall",
    "s", "whats", "what's", "exist", "exists", "existing", "stored", "recorded", "currently", "them", "they",
    "one", "ones", "value", "values", "so", "far", "ever", "up", "out", "here", "see", "want", "know", "need",
    "내", "우리", "전체", "모든", "모두", "각", "각각", "무엇", "뭐", "뭔가", "어떤", "어느", "누구", "얼마", "얼마나",
    "보여", "보여줘", "보여주세요", "보여줄래", "알려", "알려줘", "알려주세요", "알려줄래", "찾아", "찾아줘", "조회",
    "조회해", "조회해줘", "목록", "리스트", "있나", "있나요", "있어", "있어요", "있는", "있습니까", "있니", "인가요",
    "입니까", "인가", "인지", "이야", "야", "은", "는", "이", "가", "을", "를", "의", "에", "중", "것", "거", "데이터",
    "정보", "기록", "내역", "몇", "줘", "주세요", "해줘", "해", "나열", "나열해줘", "출력", "출력해줘", "되나요",
    "되나", "돼", "됩니까", "입니다", "이에요", "예요", "현재", "지금", "다", "등록된", "저장된", "인", "이고", "이며",
    "중에서", "에서", "것은", "건가요", "live", "lives", "living", "based", "located", "사는", "살고", "거주하는",
    "거주", "소재",
}  # fmt: skip
# Words that say what shape the answer has; each is placed only when the SQL has that shape.
COUNT_TERMS = {"how", "many", "number", "count", "counts", "몇", "수", "개수", "건수", "인원", "숫자", "인원수"}
AVG_TERMS = {"average", "avg", "mean", "평균"}
SUM_TERMS = {"sum", "total", "합계", "총합", "합산", "총액", "총", "합"}
MIN_TERMS = {"minimum", "min", "lowest", "smallest", "least", "최소", "최저", "최솟값", "최소값"}
MAX_TERMS = {"maximum", "max", "highest", "largest", "biggest", "greatest", "최대", "최고", "최댓값", "최대값"}
RANK_TERMS = {"top", "bottom", "most", "least", "fewest", "first", "best", "worst", "highest", "lowest"}
RANK_TERMS |= {
    "가장",
    "제일",
    "상위",
    "하위",
    "순",
    "순으로",
    "순서",
    "순서로",
    "높은",
    "낮은",
    "많은",
    "적은",
    "큰",
    "작은",
}
RANK_TERMS |= {"recent", "latest", "newest", "oldest", "earliest", "최근", "최신", "오래된"}
RANK_TERMS |= {
    "sorted",
    "sort",
    "ordered",
    "ascending",
    "descending",
    "정렬",
    "정렬해서",
    "정렬된",
    "오름차순",
    "내림차순",
}
GROUP_TERMS = {"by", "per", "each", "group", "grouped", "별", "마다", "기준", "별로", "기준으로", "각"}
# Korean counters after a number: "5개", "3명".
COUNTERS = {"개", "명", "건", "위", "곳", "가지", "권", "편", "대", "장", "년", "년도"}

# Question words that stand for a sample value too short to search for ('F', 'M'); keyed by what they mean.
VALUE_ALIASES = {
    "female": ({"female", "females", "woman", "women", "여성", "여자", "여직원"}, {"f", "female", "w", "여", "여성"}),
    "male": ({"male", "males", "man", "men", "남성", "남자", "남직원"}, {"m", "male", "남", "남성"}),
}

COUNT_WORDS = re.compile(r"\bhow many\b|\bnumber of\b|\bcount\b|몇|개수|건수|인원|총\s*수")
# Asking for a count outright; "the average number of pages" is not one.
HOW_MANY = re.compile(r"\bhow many\b|몇")
AVG_WORDS = re.compile(r"\baverage\b|\bavg\b|\bmean\b|평균")
SUM_WORDS = re.compile(r"\bsum\b|\btotal\b|합계|총합|합산|총액|\b총")
MIN_WORDS = re.compile(r"\bminimum\b|\bmin\b|\blowest\b|\bsmallest\b|최소|최저|최솟값|제일 낮은|가장 낮은")
MAX_WORDS = re.compile(r"\bmaximum\b|\bmax\b|\bhighest\b|\blargest\b|\bbiggest\b|최대|최고|최댓값|제일 높은|가장 높은")
TOP_WORDS = re.compile(
    r"\btop\b|\bbottom\b|\bmost\b|\bleast\b|\bfewest\b|\best\b|\w+est\b|가장|제일|상위|하위|순으로|순서"
)
ASCENDING_WORDS = re.compile(
    r"\bcheap|\blowest\b|\bleast\b|\bsmallest\b|\bfewest\b|\bbottom\b|\boldest\b|\bearliest\b"
    r"|\bshortest\b|\bshorter\b|(?<!비)싼|저렴|낮은|적은|하위|오래된|작은|짧은"
)
# A question asking for a row ("which department…", "who…"), not for a number.
WHICH_WORDS = re.compile(r"\bwhich\b|\bwho\b|어느|누구")
# Ranking words that ask only for an order: "가격 순으로 보여줘" lists every row by price.
SORT_WORDS = {"순으로", "순서"}
DESCENDING_WORDS = re.compile(r"\bdescending\b|\bdesc\b|\b(?:highest|largest|biggest|newest|latest) first\b|내림차순")
# Rankings by a date column need one of these: "the 5 most recent orders".
RECENCY_WORDS = re.compile(r"\brecent\b|\blatest\b|\bnewest\b|\boldest\b|\bearliest\b|최근|최신|오래된")
LIST_WORDS = re.compile(
    r"\blist\b|\bshow\b|\bwhich\b|\bwhat are\b|\bgive\b|\bdisplay\b|\bfind\b|\ball\b|\bevery\b"
    r"|보여|목록|알려|모든|전체|조회|찾아|리스트|무엇|뭐|어떤|누구"
)
# Comparisons need a real model; answering them as a listing would mislead.
COMPARISON_WORDS = re.compile(
    r"\b(?:after|before|since|over|under|above|below|between|more than|less than|greater than|fewer than|at least"
    r"|at most|older than|newer than)\b|이상|이하|초과|미만|이후|이전|보다|사이"
)
# "Which genre has the most books?", "the department with the most employees", "직원이 가장 많은 부서":
# a per-group count ranked, not a ranking of rows.
MOST_GROUP = [
    re.compile(
        r"\b(?:which|what)\s+(?:\d+\s+)?(?P<group>[a-z0-9_]+)\s+(?:has|have|had)\s+the\s+(?P<rank>most|fewest|least)"
        r"\s+(?P<counted>[a-z0-9_]+)"
    ),
    re.compile(r"\b(?P<group>[a-z0-9_]+)\s+with\s+the\s+(?P<rank>most|fewest|least)\s+(?P<counted>[a-z0-9_]+)"),
    re.compile(
        r"(?P<counted>[a-z0-9_\uac00-\ud7a3]+?)(?:이|가)?\s*(?:가장|제일)\s*(?P<rank>많은|적은)"
        r"\s*(?P<group>[a-z0-9_\uac00-\ud7a3]+)"
    ),
]
FEWEST = {"fewest", "least", "적은"}
# "by billing country": up to three words name the group, stopping at a word that starts another phrase.
GROUP_EN = re.compile(
    r"\b(?:by|per|for each|each)\s+([a-z0-9_]+(?:\s+(?!(?:in|of|for|with|and|have|has|had|do|does|is|are|was"
    r"|were|the|a|an|from|on|at|to)\b)[a-z0-9_]+){0,2})"
)
# "도시별", "도시별로", "도시 기준으로": a particle may follow; "별점" (a word of its own) is not a grouping.
GROUP_KO = re.compile(r"([a-z0-9_\uac00-\ud7a3]+?)\s*(?:별|마다|기준)(?:으로|로|에|의)?(?![\uac00-\ud7a3])")
NUMBER = re.compile(r"\b(\d{1,4})\b|(\d{1,4})\s*(?:개|명|건|위|곳|가지|권|편|대|장)")
DIGITS = re.compile(r"\d+")
# A year in a question ("hired in 2021", "2021년에") filters a date column; it is never a row limit.
YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
NUMBER_WORDS.update({"ten": 10, "한": 1, "두": 2, "세": 3, "네": 4, "다섯": 5, "열": 10})
# Column types a year filter or a "most recent" ranking can use.
TEMPORAL_TYPES = ("date", "time")
