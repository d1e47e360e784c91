"""frontend/js/chart.js: which charts a result offers, which one it opens on, and what its caption says."""

import json

import pytest


@pytest.fixture
def spec_of(run_i18n):
    def run(columns, rows, *, lang="en", describe=None, row_count=None):
        script = f"""
            const chart = await import(i18nUrl.replace(/i18n\\.js$/, "chart.js"));
            const rowCount = {json.dumps(row_count or len(rows))};
            const spec = chart.chartSpec({json.dumps(columns)}, {json.dumps(rows)}, rowCount);
            if (!spec) return null;
            const kind = {json.dumps(describe)} || spec.preferred;
            return {{ kinds: spec.kinds, preferred: spec.preferred, text: chart.describeChart(spec, kind),
                      lineLabels: spec.views.line ? spec.views.line.labels : null, total: spec.total }};
        """
        return run_i18n(script, stored=lang)

    return run


def test_dates_open_on_a_line_in_date_order(spec_of):
    got = spec_of(["month", "sales"], [["2024-03", 30], ["2024-01", 10], ["2024-02", 25]])
    assert got["kinds"] == ["bar", "line"]
    assert got["preferred"] == "line"
    assert got["lineLabels"] == ["2024-01", "2024-02", "2024-03"]
    assert got["text"] == "From 2024-01 to 2024-03. sales: highest 2024-03 (30), lowest 2024-01 (10)."


def test_a_few_shares_of_a_whole_open_on_a_pie(spec_of):
    got = spec_of(["category", "share_pct"], [["kitchen", 50], ["living", 30], ["garden", 20]])
    assert got["kinds"] == ["bar", "pie"]
    assert got["preferred"] == "pie"
    assert got["text"] == "Largest share: kitchen (50%); smallest: garden (20%)."


def test_categories_open_on_bars_with_pie_one_click_away(spec_of):
    got = spec_of(["city", "revenue"], [["서울", 5200], ["부산", 3100], ["대구", 1800]])
    assert got == {
        "kinds": ["bar", "pie"],
        "preferred": "bar",
        "text": "revenue: highest 서울 (5,200), lowest 대구 (1,800).",
        "lineLabels": None,
        "total": 3,
    }


def test_no_pie_for_negative_values_many_parts_or_several_series(spec_of):
    assert spec_of(["city", "profit"], [["a", 5], ["b", -3]])["kinds"] == ["bar"]
    assert spec_of(["city", "n"], [[f"c{i}", i + 1] for i in range(9)])["kinds"] == ["bar"]
    assert spec_of(["city", "revenue", "orders"], [["a", 5, 1], ["b", 3, 2]])["kinds"] == ["bar"]


def test_results_that_are_not_label_plus_numbers_get_no_chart(spec_of):
    assert spec_of(["name", "city"], [["a", "x"], ["b", "y"]]) is None
    assert spec_of(["city", "revenue"], [["a", 5]]) is None  # one row: nothing to compare


def test_the_caption_speaks_korean(spec_of):
    got = spec_of(["도시", "매출"], [["서울", 5200], ["부산", 3100]], lang="ko")
    assert got["text"] == "매출: 가장 높은 값은 서울(5,200), 가장 낮은 값은 부산(3,100)입니다."
    pie = spec_of(["도시", "매출"], [["서울", 5200], ["부산", 3100]], lang="ko", describe="pie")
    assert pie["text"] == "가장 큰 비중은 서울(62.7%), 가장 작은 비중은 부산(37.3%)입니다."


def test_a_result_seen_in_part_is_no_pie_and_counts_all_its_rows(spec_of):
    """Only the first rows of a long result are at hand: no pie of a whole that is not there."""
    got = spec_of(["city", "revenue"], [["서울", 5200], ["부산", 3100]], row_count=1000)
    assert got["kinds"] == ["bar"]
    assert got["total"] == 1000  # the caption then says "Showing the first 2 of 1,000 rows."


def test_years_draw_a_line_but_ids_do_not(spec_of):
    years = spec_of(["year", "orders"], [[2024, 30], [2022, 10], [2023, 25]])
    assert years["preferred"] == "line"
    assert years["lineLabels"] == ["2022", "2023", "2024"]
    ids = spec_of(["customer_id", "orders"], [[7, 30], [3, 10], [5, 25]])
    assert ids["kinds"] == ["bar", "pie"]
    assert ids["preferred"] == "bar"
