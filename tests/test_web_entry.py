"""The review desk's entry forms, over real HTTP: what an editor enters is what the command line
would enter, with the editor as the audit actor; a stale, forged, token-less or bad form saves
nothing; hostile text comes back as text."""

from __future__ import annotations

import json

from web_support import HOSTILE, Browser, signed_in

from conftest import Tracker

ARCHIVE = "/datasets/news/archive"


def _show(tracker: Tracker, slug: str) -> dict:
    return json.loads(tracker(f"dataset show {slug} --json").stdout)


def _post(b: Browser, page: str, action: str, **data: str) -> object:
    """The form of `page` posting to `action`, filled in as the page gives it and then with
    `data`, submitted."""
    return b.http.post(action, data={**b.form(page, action), **data})


# What each form on a dataset's page enters, as an editor fills it in on news/archive.
DATASET_FORMS = {
    "fees": {"amount": "1200.50", "currency": "eur", "counterparty": "Wire service",
             "contract": "WS-7", "start": "2024-01-01", "end": "2024-12-31"},
    "costs": {"category": "annotation", "amount": "300", "currency": "USD",
              "vendor": "Labelers"},
    "lineage": {"parent": "forum", "relation": "filtered"},
    "sources": {"source": "wire", "content_bytes": "5000", "notes": "feeds"},
    "edit": {"version": "2024-06", "personal_data": "yes"},
}


def test_an_editor_enters_each_form_and_is_the_actor(desk: tuple) -> None:
    tracker, live = desk
    start = len(json.loads(tracker("log --json").stdout))
    with signed_in(live.url, "editor") as b:
        added = _post(b, "/enter", "/enter/sources", slug="wire", name="Wire", kind="publisher")
        assert added.status_code == 303  # type: ignore[attr-defined]
        for form, data in DATASET_FORMS.items():
            page = "/enter/datasets/news/archive" if form == "edit" else ARCHIVE
            answer = _post(b, page, f"{ARCHIVE}/{form}", **data)
            assert answer.status_code == 303, (form, answer.text)  # type: ignore[attr-defined]
            assert answer.headers["location"].startswith(ARCHIVE + "?done=")  # type: ignore[attr-defined]
        page = b.http.get(ARCHIVE).text
        assert "Fee added." not in page  # a message comes only with its redirect
        assert "Wire service" in page and "Labelers" in page and "Wire</a>" not in page
        steps = [
            ("/enter", "/enter/datasets", {"slug": "papers", "name": "Papers",
                                           "size_tokens": "1000000"}),
            ("/enter", "/enter/runs", {"slug": "r2", "model": "M-1B", "start": "2025-01-01",
                                       "end": "2025-06-30", "currency": "EUR"}),
            ("/runs/r2", "/runs/r2/datasets", {"dataset": "papers", "tokens": "400000"}),
            ("/enter", "/enter/fx", {"base": "EUR", "quote": "USD", "rate": "1.08",
                                     "as_of": "2025-01-01"}),
            ("/enter/sources/wire", "/sources/wire/edit", {"rights_holder": "Wire Ltd"}),
            ("/enter/datasets/papers", "/datasets/papers/edit", {"new_slug": "papers-2"}),
        ]
        for page, action, data in steps:
            answer = _post(b, page, action, **data)
            assert answer.status_code == 303, (action, answer.text)  # type: ignore[attr-defined]
        assert answer.headers["location"] == "/datasets/papers-2?done=dataset-edit"  # type: ignore[attr-defined]
    shown = _show(tracker, "news/archive")
    fee = next(f for f in shown["fees"] if f["counterparty"] == "Wire service")
    assert (fee["amount"], fee["currency"], fee["term_start"]) == ("1200.50", "EUR",
                                                                    "2024-01-01")
    assert any(c["vendor"] == "Labelers" and c["amount"] == "300" for c in shown["costs"])
    assert [s["slug"] for s in shown["sources"]] == ["wire"]
    assert shown["version"] == "2024-06" and shown["personal_data"] == "yes"
    assert shown["name"] == "News archive"  # left as the form showed it: unchanged
    lineage = json.loads(tracker("lineage show news/archive --json").stdout)
    assert [(n["slug"], n["relation"]) for n in lineage["ancestors"]] == [("forum", "filtered")]
    assert _show(tracker, "papers-2")["size_tokens"] == 1000000
    run = json.loads(tracker("run show r2 --json").stdout)
    assert run["currency"] == "EUR" and [d["dataset"] for d in run["datasets"]] == ["papers-2"]
    assert json.loads(tracker("fx list --json").stdout)[0]["rate"] == "1.08"
    assert json.loads(tracker("source show wire --json").stdout)["rights_holder"] == "Wire Ltd"
    events = json.loads(tracker("log --json").stdout)[start:]
    assert events and {e["actor"] for e in events} == {"editor"}
    # The edit logged only what changed.
    edit = next(e for e in events if e["entity"] == "dataset" and e["action"] == "update")
    assert sorted(k for k in edit["after"] if edit["after"][k] != edit["before"][k]) == \
        ["personal_data", "version"]
    tracker("verify")


def test_a_stale_form_is_refused_and_saves_nothing(sqlite_desk: tuple) -> None:
    tracker, live = sqlite_desk
    tracker("source add wire --name Wire")
    with signed_in(live.url, "reviewer") as b:
        forms = {form: b.form("/enter/datasets/news/archive" if form == "edit" else ARCHIVE,
                              f"{ARCHIVE}/{form}") | data
                 for form, data in DATASET_FORMS.items()}
        forms["waive"] = b.form(ARCHIVE, f"{ARCHIVE}/waive") | {"reason": "accepted"}
        source = b.form("/enter/sources/wire", "/sources/wire/edit") | {"notes": "mine"}
        tracker("fee void 2 --reason 'entered twice'")  # meanwhile, on the command line
        tracker("source edit wire --notes theirs")
        before = tracker.digest()
        for form, data in forms.items():
            answer = b.http.post(f"{ARCHIVE}/{form}", data=data)
            assert answer.status_code == 409, form
            assert "changed since you opened it" in answer.text and "entered twice" in answer.text
        answer = b.http.post("/sources/wire/edit", data=source)
        assert answer.status_code == 409 and "changed since you opened it" in answer.text
    assert tracker.digest() == before


def test_without_the_token_or_the_role_nothing_is_saved(sqlite_desk: tuple) -> None:
    tracker, live = sqlite_desk
    tracker("source add wire --name Wire")
    before = tracker.digest()
    posts = [(f"{ARCHIVE}/{form}", data) for form, data in DATASET_FORMS.items()] + [
        ("/enter/datasets", {"slug": "papers", "name": "Papers"}),
        ("/enter/sources", {"slug": "other", "name": "Other"}),
        ("/enter/runs", {"slug": "r2", "model": "M", "start": "2025-01-01",
                         "end": "2025-02-01"}),
        ("/enter/fx", {"base": "EUR", "quote": "USD", "rate": "1.1"}),
        ("/sources/wire/edit", {"name": "Wire 2", "new_slug": "wire", "digest": "d"}),
        ("/runs/r1/datasets", {"dataset": "forum", "tokens": "5"}),
    ]
    with signed_in(live.url, "editor") as editor, signed_in(live.url, "viewer") as viewer:
        basis = editor.hidden(ARCHIVE, f"{ARCHIVE}/fees")
        token = viewer.hidden("/", "/logout")["csrf"]
        for action, data in posts:
            full = {**basis, **data}
            del full["csrf"]
            refused = editor.http.post(action, data=full)
            assert refused.status_code == 403 and "security token" in refused.text, action
            forged = viewer.http.post(action, data={**full, "csrf": token})
            assert forged.status_code == 403 and "your role (viewer)" in forged.text, action
        assert viewer.http.get("/enter").status_code == 403
        for page in ("/", ARCHIVE, "/runs/r1", "/datasets"):
            shown = viewer.http.get(page).text
            assert "/enter" not in shown and 'action="/logout"' in shown
            assert shown.count('method="post"') == 1, page
    assert tracker.digest() == before


# Bad input on each kind of form, and the field the one-line refusal names.
BAD = [
    (f"{ARCHIVE}/fees", {"amount": "12,50", "currency": "USD", "counterparty": "X"}, "amount"),
    (f"{ARCHIVE}/fees", {"amount": "10", "currency": "EURO", "counterparty": "X"}, "EURO"),
    (f"{ARCHIVE}/fees", {"amount": "10", "currency": "USD", "counterparty": "X",
                         "kind": "recurring"}, "period"),
    (f"{ARCHIVE}/costs", {"category": "bribes", "amount": "1", "currency": "USD"}, "category"),
    (f"{ARCHIVE}/lineage", {"parent": "news/archive", "relation": "subset"}, "parent"),
    (f"{ARCHIVE}/sources", {"source": "no-such-source"}, "no-such-source"),
    (f"{ARCHIVE}/edit", {"homepage": "javascript:alert(1)"}, "homepage"),
    ("/enter/datasets", {"slug": "forum", "name": "Again"}, "slug"),
    ("/enter/datasets", {"slug": "fresh", "name": ""}, "name"),
    ("/enter/runs", {"slug": "r2", "model": "M", "start": "2025-02-01", "end": "2025-01-01"},
     "end"),
    ("/enter/fx", {"base": "USD", "quote": "USD", "rate": "1"}, "quote"),
    ("/runs/r1/datasets", {"dataset": "forum", "share": "2"}, "share"),
]


def _page_of(action: str) -> str:
    if action.endswith("/edit"):
        return "/enter/datasets/news/archive"
    if action.startswith(ARCHIVE):
        return ARCHIVE
    return "/runs/r1" if action.startswith("/runs") else "/enter"


def test_bad_input_is_one_line_naming_the_field(sqlite_desk: tuple) -> None:
    tracker, live = sqlite_desk
    before = tracker.digest()
    with signed_in(live.url, "editor") as b:
        for action, data, named in BAD:
            answer = _post(b, _page_of(action), action, **data)
            assert answer.status_code in (400, 404), (action, answer.text)  # type: ignore[attr-defined]
            message = answer.text.split('role="alert">')[1].split("</p>")[0]  # type: ignore[attr-defined]
            assert "\n" not in message and named in message.replace("&#39;", "'"), message
    assert tracker.digest() == before


def test_hostile_text_entered_comes_back_as_text(sqlite_desk: tuple) -> None:
    tracker, live = sqlite_desk
    with signed_in(live.url, "editor") as b:
        for n, text in enumerate(HOSTILE):
            assert _post(b, "/enter", "/enter/datasets", slug=f"h-{n}", name=text,
                         description=f"{text}\r\nand a second line").status_code == 303
            assert _post(b, "/enter", "/enter/sources", slug=f"s-{n}", name=text,
                         notes=text).status_code == 303
            assert _post(b, f"/datasets/h-{n}", f"/datasets/h-{n}/fees", amount="1",
                         currency="USD", counterparty=text, contract=text).status_code == 303
            assert _post(b, f"/datasets/h-{n}", f"/datasets/h-{n}/sources",
                         source=f"s-{n}").status_code == 303
            for page in (f"/datasets/h-{n}", f"/enter/datasets/h-{n}", f"/enter/sources/s-{n}"):
                shown = b.http.get(page).text
                assert "<script>window" not in shown and "<img src=x" not in shown, page
                assert text not in shown or text == "{{ 7*7 }}", page
                assert "{{ 7*7 }}" in shown or n != 2, page  # shown, not evaluated
            # Each form gives the stored text back as it was: saved again, nothing changes
            # (a value the vocabulary no longer holds included).
            tracker.sql(f"UPDATE dataset SET modality = 'hologram' WHERE slug = 'h-{n}'")
            resaved = _post(b, f"/enter/datasets/h-{n}", f"/datasets/h-{n}/edit")
            assert resaved.headers["location"].endswith("?done=nothing")  # type: ignore[attr-defined]
    assert _show(tracker, "h-0")["name"] == HOSTILE[0]
    assert _show(tracker, "h-0")["description"] == f"{HOSTILE[0]}\nand a second line"


def test_an_editor_corrects_a_cost_a_link_and_a_lineage_edge(sqlite_desk: tuple) -> None:
    tracker, live = sqlite_desk
    tracker("source add wire --name Wire")
    tracker("source link news/archive wire")
    tracker("lineage add news/archive forum --relation filtered")
    tracker("cost add news/archive --category annotation --amount 300 --currency USD")
    cost = _show(tracker, "news/archive")["costs"][-1]["id"]
    with signed_in(live.url, "editor") as b:
        for action, data in ((f"{ARCHIVE}/costs/{cost}/edit",
                              {"amount": "250", "reason": "invoice said 250"}),
                             (f"{ARCHIVE}/sources/remove", {}),
                             (f"{ARCHIVE}/lineage/remove", {})):
            answer = _post(b, ARCHIVE, action, **data)
            assert answer.status_code == 303, (action, answer.text)  # type: ignore[attr-defined]
        again = _post(b, ARCHIVE, f"{ARCHIVE}/costs/{cost}/edit", amount="1", reason="x")
        page = b.http.get(ARCHIVE).text
    assert again.status_code == 303  # type: ignore[attr-defined]
    shown = _show(tracker, "news/archive")
    assert next(c for c in shown["costs"] if c["id"] == cost)["amount"] == "1"
    assert shown["sources"] == [] and shown["parents"] == []
    assert "Unlink" not in page and "Remove edge" not in page
    corrected = [e for e in json.loads(tracker("log --entity cost_item --json").stdout)
                 if e["action"] == "update"]
    assert [(e["actor"], e["before"]["amount"], e["after"]["amount"]) for e in corrected] == \
        [("editor", "300", "250"), ("editor", "250", "1")]
    tracker("verify")
