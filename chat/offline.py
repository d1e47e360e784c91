"""Offline mode: a deterministic, schema-driven question-to-SQL translator and template summaries.

It reads only the introspected schema of the datasource being asked (table and
column names, descriptions, sample values) and understands a few question
shapes in English and Korean: counts, listings, top-N by a column,
sum/avg/min/max, per-group aggregates and equality filters on known sample
values. A small bilingual glossary of everyday data words (price/가격,
customer/고객, …) helps match Korean questions to English column names; it is
a language aid, never a list of tables. Anything else is `OfflineUnsupported`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chat import prompts
from chat.errors import OfflineUnsupported
from chat.llm import Completion, DeltaCallback, LLMRequest
from chat.schema_context import ColumnInfo, TableInfo, qualified, quote

HANGUL = re.compile(r"[\uac00-\ud7a3]")
WORD = re.compile(r"[a-z0-9]+|[\uac00-\ud7a3]+")
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
    {"amount", "금액"},
    {"revenue", "sales", "매출", "판매액"},
    {"customer", "client", "고객", "손님", "회원"},
    {"user", "사용자", "유저"},
    {"product", "item", "goods", "상품", "제품", "물건"},
    {"order", "purchase", "주문", "구매"},
    {"category", "type", "kind", "카테고리", "분류", "종류", "유형"},
    {"employee", "staff", "worker", "직원", "사원", "임직원"},
    {"department", "dept", "team", "부서", "팀"},
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
]

COUNT_WORDS = re.compile(r"\bhow many\b|\bnumber of\b|\bcount\b|몇|개수|건수|인원|총\s*수")
AVG_WORDS = re.compile(r"\baverage\b|\bavg\b|\bmean\b|평균")
SUM_WORDS = re.compile(r"\bsum\b|\btotal\b|합계|총합|합산|총액|\b총")
MIN_WORDS = re.compile(r"\bminimum\b|\bmin\b|\blowest\b|\bsmallest\b|최소|최저|제일 낮은|가장 낮은")
MAX_WORDS = re.compile(r"\bmaximum\b|\bmax\b|\bhighest\b|\blargest\b|\bbiggest\b|최대|최고|제일 높은|가장 높은")
TOP_WORDS = re.compile(
    r"\btop\b|\bbottom\b|\bmost\b|\bleast\b|\bfewest\b|\best\b|\w+est\b|가장|제일|상위|하위|순으로|순서"
)
ASCENDING_WORDS = re.compile(
    r"\bcheap|\blowest\b|\bleast\b|\bsmallest\b|\bfewest\b|\bbottom\b|\boldest\b|\bearliest\b"
    r"|(?<!비)싼|저렴|낮은|적은|하위|오래된|작은"
)
LIST_WORDS = re.compile(
    r"\blist\b|\bshow\b|\bwhich\b|\bwhat are\b|\bgive\b|\bdisplay\b|\bfind\b|\ball\b|\bevery\b"
    r"|보여|목록|알려|모든|전체|조회|찾아|리스트|무엇|뭐|어떤|누구"
)
# Comparisons need a real model; answering them as a listing would mislead.
COMPARISON_WORDS = re.compile(
    r"\b(?:after|before|since|over|under|above|below|between|more than|less than|greater than|fewer than|at least"
    r"|at most|older than|newer than)\b|이상|이하|초과|미만|이후|이전|보다|사이"
)
GROUP_EN = re.compile(r"\b(?:by|per|for each|each)\s+([a-z0-9_]+)")
GROUP_KO = re.compile(r"([a-z0-9_\uac00-\ud7a3]+?)\s*(?:별|마다|기준)(?![\uac00-\ud7a3])")
NUMBER = re.compile(r"\b(\d{1,4})\b|(\d{1,4})\s*(?:개|명|건|위|곳|가지)")
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
NUMBER_WORDS.update({"ten": 10, "한": 1, "두": 2, "세": 3, "네": 4, "다섯": 5, "열": 10})
LISTING_LIMIT = 100
GROUP_LIMIT = 100


def is_korean(text: str) -> bool:
    """Whether `text` is (at least partly) Korean."""
    return bool(HANGUL.search(text or ""))


def _singular(word: str) -> str:
    if HANGUL.search(word) or len(word) <= 3:
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _korean_stem(word: str) -> str:
    for particle in KO_PARTICLES:
        if word.endswith(particle) and len(word) > len(particle):
            return word[: -len(particle)]
    return word


def _forms(word: str) -> set[str]:
    """The comparable forms of one word: itself, singular, and Korean stem."""
    word = word.lower()
    return {word, _singular(word), _korean_stem(word)}


def _words(text: str) -> list[str]:
    """Words of a name or description: split on case changes, underscores and punctuation."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(text or ""))
    return WORD.findall(spaced.lower().replace("_", " "))


def _expand(terms: set[str]) -> set[str]:
    expanded = set(terms)
    for group in GLOSSARY:
        if expanded & group:
            expanded |= group
    return expanded


@dataclass
class Terms:
    """The words that refer to one schema object, split by how strongly they do."""

    strong: set[str] = field(default_factory=set)
    weak: set[str] = field(default_factory=set)


def _name_terms(name: str, description: str) -> Terms:
    name_words = {form for word in _words(name) for form in _forms(word)} | _forms(name)
    strong = _expand({w for w in name_words if w not in STOP_WORDS})
    weak = {form for word in _words(description) for form in _forms(word) if word not in STOP_WORDS}
    weak = {w for w in weak if len(w) > 1 or HANGUL.search(w)} - strong
    return Terms(strong=strong, weak=weak)


class Question:
    """A question split into comparable words, keeping the raw lowered text for phrase checks."""

    def __init__(self, text: str):
        self.text = text
        self.lowered = " ".join(text.lower().split())
        self.words = _words(self.lowered)
        self.forms = {form for word in self.words for form in _forms(word)}

    def mentions(self, terms: set[str]) -> int:
        """How many of `terms` the question uses (Korean terms also as a word's prefix, for particles)."""
        hits = 0
        for term in terms:
            if term in self.forms:
                hits += 1
            elif HANGUL.search(term) and len(term) >= 2 and any(w.startswith(term) for w in self.words):
                hits += 1
        return hits

    def number(self) -> int | None:
        match = NUMBER.search(self.lowered)
        if match:
            return int(match.group(1) or match.group(2))
        for word, value in NUMBER_WORDS.items():
            if re.search(rf"(?<![\w\uac00-\ud7a3]){word}(?:\s|$|개|명|건|가지)", self.lowered):
                return value
        return None


def _has_aggregate(lowered: str) -> bool:
    return any(p.search(lowered) for p in (COUNT_WORDS, AVG_WORDS, SUM_WORDS, MIN_WORDS, MAX_WORDS))


def _literal(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


class Translator:
    """Turns one question into SQL over `tables`, or raises `OfflineUnsupported`."""

    def __init__(self, tables: list[TableInfo], engine: str):
        self.tables = tables
        self.engine = engine
        self.table_terms = {id(t): _name_terms(t.name, t.description) for t in tables}
        self.column_terms = {id(c): _name_terms(c.name, c.description) for t in tables for c in t.columns}

    # -- matching -------------------------------------------------------------------
    def _column_score(self, question: Question, column: ColumnInfo) -> int:
        terms = self.column_terms[id(column)]
        return 3 * question.mentions(terms.strong) + question.mentions(terms.weak)

    def _table_score(self, question: Question, table: TableInfo) -> int:
        terms = self.table_terms[id(table)]
        score = 4 * question.mentions(terms.strong) + question.mentions(terms.weak)
        if any(self._column_score(question, c) for c in table.columns if not c.is_key):
            score += 1
        return score

    def pick_table(self, question: Question) -> TableInfo:
        best, best_score = None, 0
        for table in self.tables:
            score = self._table_score(question, table)
            if score > best_score:
                best, best_score = table, score
        if best is None:
            raise OfflineUnsupported()
        return best

    def _best_column(self, question: Question, columns: list[ColumnInfo]) -> ColumnInfo | None:
        best, best_score = None, 0
        for column in columns:
            score = self._column_score(question, column)
            if score > best_score:
                best, best_score = column, score
        return best

    def _group_column(self, question: Question, table: TableInfo) -> ColumnInfo | None:
        phrase = GROUP_EN.search(question.lowered) or GROUP_KO.search(question.lowered)
        if not phrase:
            return None
        group_question = Question(phrase.group(1))
        column = self._best_column(group_question, table.columns)
        if column:
            return column
        # "orders per customer": group by the foreign key that points at the named table.
        for other in self.tables:
            if other is not table and group_question.mentions(self.table_terms[id(other)].strong):
                for candidate in table.columns:
                    if candidate.references.split(".")[0] == other.name:
                        return candidate
        raise OfflineUnsupported()

    def _filters(self, question: Question, table: TableInfo, skip: ColumnInfo | None) -> list[str]:
        conditions = []
        for column in table.columns:
            if column is skip:
                continue
            for value in column.samples:
                text = str(value).strip().lower()
                if len(text) < 2:
                    continue
                if HANGUL.search(text):
                    found = text in question.lowered
                else:
                    # Latin word edges only: a Korean particle may follow directly ("Busan인").
                    pattern = rf"(?<![a-z0-9_]){re.escape(text)}(?![a-z0-9_])"
                    found = re.search(pattern, question.lowered) is not None
                if found:
                    conditions.append(f"{quote(column.name, self.engine)} = {_literal(value)}")
                    break
        return conditions

    # -- shapes ---------------------------------------------------------------------
    def translate(self, text: str) -> str:
        question = Question(text)
        if COMPARISON_WORDS.search(question.lowered):
            raise OfflineUnsupported()
        table = self.pick_table(question)
        source = qualified(table, self.engine)
        group = self._group_column(question, table)
        lowered = question.lowered

        limit = question.number()
        order_hint = None
        if group is not None and group.is_numeric and TOP_WORDS.search(lowered) and not _has_aggregate(lowered):
            # "top 3 vessels by tonnage" ranks by a number; it does not group by it.
            order_hint, group = group, None
        conditions = self._filters(question, table, group)
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        values = [c for c in table.columns if c.is_numeric and not c.is_key and c is not group]
        # "top 5 … highest price" is a ranking, not MAX(); without a number, min/max words mean the aggregate.
        ranking = bool(TOP_WORDS.search(lowered) or MIN_WORDS.search(lowered) or MAX_WORDS.search(lowered))
        ranked_with_number = ranking and limit is not None and group is None

        aggregate = None
        if ranked_with_number and not COUNT_WORDS.search(lowered):
            aggregate = None
        elif COUNT_WORDS.search(lowered) or any(w in ("수", "숫자") for w in map(_korean_stem, question.words)):
            aggregate = "COUNT"
        elif AVG_WORDS.search(lowered):
            aggregate = "AVG"
        elif MIN_WORDS.search(lowered):
            aggregate = "MIN"
        elif MAX_WORDS.search(lowered):
            aggregate = "MAX"
        elif SUM_WORDS.search(lowered):
            aggregate = "SUM"

        if aggregate and aggregate != "COUNT":
            target = self._best_column(question, values)
            if target is None:
                if aggregate == "SUM" and not group:
                    aggregate = "COUNT"
                else:
                    raise OfflineUnsupported()
        if group is not None:
            key = quote(group.name, self.engine)
            if aggregate in (None, "COUNT"):
                alias = "count"
                measure = "COUNT(*)"
            else:
                alias = f"{aggregate.lower()}_{target.name}"
                measure = f"{aggregate}({quote(target.name, self.engine)})"
            return (
                f"SELECT {key}, {measure} AS {quote(alias, self.engine)} FROM {source}{where} "
                f"GROUP BY {key} ORDER BY {quote(alias, self.engine)} DESC LIMIT {GROUP_LIMIT}"
            )
        if aggregate == "COUNT":
            return f"SELECT COUNT(*) AS {quote('count', self.engine)} FROM {source}{where}"
        if aggregate:
            alias = f"{aggregate.lower()}_{target.name}"
            measure = f"{aggregate}({quote(target.name, self.engine)})"
            return f"SELECT {measure} AS {quote(alias, self.engine)} FROM {source}{where}"

        if ranking:
            order = (
                order_hint
                or self._best_column(question, values)
                or self._best_column(question, [c for c in table.columns if not c.is_key])
            )
            if order is not None:
                direction = "ASC" if ASCENDING_WORDS.search(lowered) else "DESC"
                return (
                    f"SELECT * FROM {source}{where} ORDER BY {quote(order.name, self.engine)} {direction} "
                    f"LIMIT {1 if limit is None else limit}"
                )
        if conditions or LIST_WORDS.search(lowered) or limit:
            return f"SELECT * FROM {source}{where} LIMIT {min(limit or LISTING_LIMIT, LISTING_LIMIT)}"
        raise OfflineUnsupported()


def _format(value) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "NULL" if value is None else str(value)


def summarize(question: str, result) -> str:
    """A template summary of `result` in the question's language."""
    korean = is_korean(question)
    columns, rows = list(result.columns), list(result.rows)
    count = result.row_count
    if count == 0:
        return "조건에 맞는 결과가 없습니다." if korean else "No rows matched the question."
    if count == 1 and len(columns) == 1:
        value = _format(rows[0][0])
        return f"결과는 {value}입니다 ({columns[0]})." if korean else f"The answer is {value} ({columns[0]})."
    first = ", ".join(f"{column} {_format(value)}" for column, value in list(zip(columns, rows[0], strict=False))[:4])
    more = result.truncated
    if korean:
        cut = " (표시 한도까지만 가져왔습니다)" if more else ""
        return f"{count:,}개의 행을 찾았습니다{cut}. 첫 번째 행: {first}."
    cut = " (the result was cut at the row limit)" if more else ""
    return f"Found {count:,} row{'s' if count != 1 else ''}{cut}. The first is: {first}."


class OfflineClient:
    """The offline `LLMClient`: deterministic SQL from the schema and template summaries."""

    mode = "offline"
    can_repair = False

    def model_for(self, stage: str) -> str:
        return "offline"

    def complete(self, request: LLMRequest, *, on_delta: DeltaCallback | None = None) -> Completion:
        if request.stage == prompts.STAGE_SQL:
            sql = Translator(request.tables, request.engine).translate(request.question)
            return Completion(text=f"```sql\n{sql}\n```", model="offline")
        if request.stage == prompts.STAGE_SUMMARY:
            text = summarize(request.question, request.result)
            if on_delta:
                for piece in re.findall(r"\S+\s*", text):
                    on_delta(piece)
            return Completion(text=text, model="offline")
        if request.stage == prompts.STAGE_TABLES:
            return Completion(text=", ".join(t.name for t in request.tables), model="offline")
        raise OfflineUnsupported()
