"""Title translations over HTTP: a section's or source's title, recorded in each of its recommendations."""

from tests.support import bearer

SOURCE = "/api/v1/sources/odf-kz-2015"
SECTION = f"{SOURCE}/sections/4/translations"
KAZAKH = {
    "language": "kk",
    "text": "Ақпарат тарату бостандығы",
    "provenance": "unofficial",
    "translator": "A. Volunteer",
}


def _codes(client, section: int) -> list[str]:
    page = client.get("/api/v1/recommendations", params={"section": section, "limit": 500}).json()
    return [item["code"] for item in page["items"]]


def test_a_monitor_records_a_section_title_in_every_chain_of_the_section(client, monitor_token, admin_token):
    read = client.get(SECTION)
    assert read.status_code == 200, read.text
    etag = read.headers["etag"]
    assert read.json()["language"] == "en" and read.json()["title"]
    assert [(t["language"], t["provenance"]) for t in read.json()["translations"]] == [("ru", "unofficial")]
    assert client.get(SECTION, headers={"If-None-Match": etag}).status_code == 304
    codes = _codes(client, 4)
    old_rec_etag = client.get(f"/api/v1/recommendations/{codes[0]}").headers["etag"]

    monitor = bearer(monitor_token)
    assert client.post(SECTION, json=KAZAKH, headers={"If-Match": etag}).status_code == 401
    assert client.post(SECTION, json=KAZAKH, headers=monitor).status_code == 428
    wrong = client.post(SECTION, json=KAZAKH, headers=monitor | {"If-Match": '"section-translations-1"'})
    assert wrong.status_code == 412 and wrong.headers["etag"] == etag
    with_etag = monitor | {"If-Match": etag}
    assert client.post(SECTION, json=KAZAKH | {"language": "en"}, headers=with_etag).status_code == 422
    assert client.post(SECTION, json=KAZAKH | {"translator": None}, headers=with_etag).status_code == 422
    missing = "/api/v1/sources/odf-kz-2015/sections/99/translations"
    assert client.post(missing, json=KAZAKH, headers=with_etag).status_code == 404

    keyed = with_etag | {"Idempotency-Key": "title-1"}
    created = client.post(SECTION, json=KAZAKH, headers=keyed)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["etag"] == created.headers["etag"] != etag
    assert body["translation"]["text"] == KAZAKH["text"]
    assert [rec["code"] for rec in body["recommendations"]] == codes
    replay = client.post(SECTION, json=KAZAKH, headers=keyed)
    assert replay.json() == body and replay.headers["idempotent-replayed"] == "true"
    stale = client.post(SECTION, json=KAZAKH, headers=with_etag)
    assert stale.status_code == 412 and stale.headers["etag"] == body["etag"]

    for code, written in zip(codes, body["recommendations"], strict=True):
        history = client.get(f"/api/v1/recommendations/{code}/history").json()["items"]
        assert history[-1]["kind"] == "translation_recorded"
        assert history[-1]["payload"]["section"] == 4 and history[-1]["payload"]["language"] == "kk"
        assert written["version"] == len(history)
    shown = client.get(f"/api/v1/recommendations/{codes[0]}", params={"lang": "kk"}).json()
    assert shown["section"]["translated_title"] == KAZAKH["text"]
    # A monitor who read the recommendation before the title was translated must read it again.
    assessment = {"status": "not_implemented", "summary": "Read before the title's translation."}
    late = client.post(
        f"/api/v1/recommendations/{codes[0]}/assessments",
        json=assessment,
        headers=monitor | {"If-Match": old_rec_etag},
    )
    assert late.status_code == 412
    listed = client.get(SECTION)
    assert listed.headers["etag"] == body["etag"]
    assert [t["language"] for t in listed.json()["translations"]] == ["kk", "ru"]

    # A source's title: one entry in each of its 43 chains.
    source_etag = client.get(f"{SOURCE}/translations").headers["etag"]
    russian = KAZAKH | {"language": "ru", "text": "Гражданское общество в Казахстане"}
    recorded = client.post(
        f"{SOURCE}/translations", json=russian, headers=monitor | {"If-Match": source_etag}
    )
    assert recorded.status_code == 201, recorded.text
    assert len(recorded.json()["recommendations"]) == 43
    assert client.get(f"{SOURCE}/translations").json()["translations"][0]["text"] == russian["text"]

    report = client.get("/api/v1/history/verify", headers=bearer(admin_token)).json()
    assert report["ok"] is True, report
    assert report["state"]["checked"]["translations"] == 49 + 2
