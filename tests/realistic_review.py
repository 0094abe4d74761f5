"""A realistic, deterministic review of every seed recommendation, recorded through the API.

For each recommendation: an independent assessment with a summary of 600-1,200 characters, two or three
evidence links (titles of 60-120 characters, dated), and for every third one the state's claim with a
summary of 200-400 characters. The report's own sources stay as seeded. The prose is composed from fixed
sentence banks keyed by section and theme, so the same script always writes the same documents.
"""

from datetime import date, timedelta

from seed.loader import DEFAULT_SEED, read_seed
from tests.support import assess, link

STATUSES = ["not_implemented", "partially_implemented", "regressed", "not_implemented", "implemented"]
OPENINGS = {
    "not_implemented": "No measure answering this recommendation has been adopted since the report was "
    "published, and the practice it describes continues.",
    "partially_implemented": "Some steps have been taken in the direction the recommendation asks for, but "
    "they stop short of what it requires.",
    "regressed": "The situation has worsened since the report: new rules and practice have moved away from "
    "what the recommendation asks for.",
    "implemented": "The measure the recommendation asks for has been adopted and is applied in practice, "
    "according to the sources reviewed.",
}
SECTION_SENTENCES = {
    2: [
        "The amended Law on Public Associations still requires registration before any collective activity.",
        "Article 489 of the Code of Administrative Offences continues to punish the leaders of unregistered "
        "associations with fines and bans on activity.",
        "Registration authorities returned applications on formal grounds in at least eleven cases "
        "documented by monitors in Almaty and Astana.",
        "The 2023 draft on non-commercial organisations was discussed with a small group of NGOs but its "
        "final text was not published before adoption.",
        "Religious associations must re-register under the 2011 law, and several small communities were "
        "refused on the grounds that they had too few members.",
        "Courts upheld the refusals in every appeal monitored, without examining whether the restriction "
        "was necessary in a democratic society.",
    ],
    3: [
        "Criminal cases against activists under the article on 'inciting discord' continued in 2024, with "
        "probation terms that bar the convicted from public activity.",
        "Human rights defenders report surveillance, summonses for 'preventive conversations' and pressure "
        "on their relatives and employers.",
        "Two activists named in the report remain abroad after extradition requests that Interpol's "
        "Commission for the Control of Files found to be politically motivated.",
        "Investigations into the events of January 2022 have not established responsibility for the deaths "
        "of civilians, and complaints of torture were mostly closed.",
        "Trials of opposition figures were held partly behind closed doors, and independent observers were "
        "refused access to the courtroom on several days.",
        "An amnesty adopted in 2022 released some of those detained, but excluded people convicted of "
        "'extremism' or of organising mass disorder.",
    ],
    4: [
        "Amendments to the Law on Mass Media in 2024 introduced accreditation rules for foreign journalists "
        "that the OSCE Representative criticised as overly broad.",
        "Defamation remains a criminal offence, and officials used it against journalists who reported on "
        "public procurement.",
        "Access to several independent news sites was blocked without a court order during protests, and "
        "mobile internet was restricted in the regions concerned.",
        "The owner of the site named in the report was convicted, and the court's ban on the outlet has not "
        "been lifted.",
        "Journalists who requested information under the Law on Access to Information received late or "
        "incomplete answers in most cases documented.",
        "A new register of online publications requires sites to identify their editors, which critics say "
        "ends anonymous reporting.",
    ],
    5: [
        "State grants to NGOs are distributed through a single operator, and most of the funds go to "
        "organisations close to the authorities.",
        "NGOs receiving foreign funding must report every transfer to the tax authorities and are listed in "
        "a public register.",
        "Tax inspections of NGOs that published critical reports were more frequent than of other "
        "organisations, according to a survey of 120 NGOs.",
        "International donors reduced their programmes in Kazakhstan after 2020, and several small NGOs "
        "closed for lack of funds.",
        "The grant operator's rules do not allow funds to be spent on monitoring of human rights or on legal "
        "aid in politically sensitive cases.",
        "Training programmes for NGO staff are run mostly by state-affiliated bodies, with little room for "
        "independent curricula.",
    ],
    6: [
        "The Civil Forum and the consultative councils under ministries meet regularly, but their "
        "recommendations are rarely reflected in adopted texts.",
        "Draft laws are published on the open legal acts portal, yet the comment period is often shorter "
        "than the ten days the rules require.",
        "Independent NGOs were not invited to the working group that prepared the 2024 human rights action "
        "plan.",
        "Public councils in the regions include NGO members chosen by the akimats, which limits their "
        "independence.",
        "The national human rights institution holds consultations with NGOs, but it has no power to follow "
        "up on its recommendations.",
        "Reports by NGOs to UN treaty bodies are sometimes followed by inspections of the organisations that "
        "wrote them.",
    ],
    7: [
        "The European Parliament adopted resolutions on Kazakhstan that refer to civil society, but they "
        "were not followed by conditions in cooperation agreements.",
        "The OSCE Office in Astana continues programmes on legislation, with limited involvement of "
        "independent NGOs in their design.",
        "EU member states raised the situation of civil society in their UPR recommendations, most of which "
        "Kazakhstan supported.",
        "International donors coordinate through an informal group, which has not agreed on common criteria "
        "for support to NGOs under pressure.",
        "Neighbouring states adopted laws on 'foreign agents' modelled on the Russian law, and regional "
        "cooperation on NGO legislation remains weak.",
        "The UN Special Rapporteur's visit report repeated several of these recommendations and asked the "
        "authorities to report on follow-up.",
    ],
}
THEME_SENTENCES = {
    "freedom-of-association": "Monitors judge freedom of association by whether a group can act without "
    "prior permission, and that condition is still not met.",
    "freedom-of-religion": "Believers meeting without registration continue to be fined, mostly in "
    "private homes.",
    "freedom-of-expression": "Self-censorship among journalists and bloggers was widely reported in "
    "interviews with monitors.",
    "freedom-of-assembly": "The 2020 law on peaceful assemblies still requires notification five days "
    "ahead and limits assemblies to designated places.",
    "media-freedom": "Independent outlets depend on foreign grants and advertising, which the new rules "
    "make harder to receive.",
    "human-rights-defenders": "Defenders interviewed for this review asked not to be named, for fear of "
    "reprisals.",
    "political-prisoners": "Monitors counted more than twenty people they consider political prisoners at "
    "the end of the period.",
    "fair-trial": "Defence lawyers reported difficulties in meeting their clients and in obtaining case "
    "files in time.",
    "extradition": "Requests for extradition of critics living abroad continued, though courts in the EU "
    "refused most of them.",
    "rule-of-law": "Frequent amendments and vague wording leave wide discretion to the officials applying "
    "the law.",
    "ngo-funding": "Funding rules change almost every year, so NGOs cannot plan beyond a single project.",
    "state-ngo-cooperation": "Cooperation works best on social services and least on civil and political "
    "rights.",
    "civic-participation": "Participation in decision-making depends on invitations, not on rules that "
    "any citizen can rely on.",
    "international-cooperation": "Support from international partners is valued but rarely reaches "
    "organisations outside the two largest cities.",
    "civic-education": "Human rights education in schools remains optional and depends on individual "
    "teachers.",
}
CLOSINGS = [
    "The assessment will be revisited after the next reporting period.",
    "Further information from the authorities would be needed to change this assessment.",
    "This finding is consistent with the observations of other NGOs working in the field.",
    "The assessment rests on the evidence listed and on interviews held during the period.",
]
CLAIMS = [
    "The national report states that the legislation was revised in consultation with civil society and "
    "now meets international standards.",
    "According to the Government, registration is a simple notification procedure completed within ten "
    "working days.",
    "The authorities report that all complaints were investigated and that no violations were found.",
    "The Ministry of Information says that state grants are awarded through an open competition with "
    "independent experts.",
    "The Government describes the consultative councils as an effective channel through which NGOs shape "
    "laws.",
]
CLAIM_STATUSES = ["implemented", "implemented", "partially_implemented", "not_implemented"]
OUTLETS = [
    ("Adilet legal database", "law"),
    ("Kazakhstan International Bureau for Human Rights", "ngo_report"),
    ("Vlast.kz, independent news site", "news"),
    ("UN Human Rights Committee", "un_document"),
    ("Supreme Court of the Republic of Kazakhstan", "court_decision"),
    ("Ministry of Information and Social Development", "official_statement"),
]
HEADLINES = {
    2: "amendments to the Law on Public Associations",
    3: "criminal cases against civic activists",
    4: "the Law on Mass Media and press accreditation",
    5: "state grants and rules on foreign funding",
    6: "consultative councils and draft law discussion",
    7: "international partners and civil society",
}
FORMS = [
    "{outlet}: {headline}, review of {year}",
    "{outlet} — {headline} ({year})",
    "{outlet}: statement on {headline} in {year}",
]
RELATIONS = {
    "not_implemented": ["context", "regression", "context"],
    "partially_implemented": ["progress", "context", "regression"],
    "regressed": ["regression", "regression", "context"],
    "implemented": ["progress", "progress", "context"],
}
FIRST_DAY = date(2023, 3, 1)


def summary(index: int, section: int, themes: list[str], status: str) -> str:
    """An assessment's summary of 600-1,200 characters, composed from the banks."""
    target = 600 + (index * 137) % 600
    text = OPENINGS[status]
    bank = SECTION_SENTENCES[section]
    candidates = [bank[(index + step) % len(bank)] for step in range(len(bank))]
    candidates += [THEME_SENTENCES[theme] for theme in themes]
    for sentence in candidates:
        if len(text) >= target:
            break
        if len(text) + 1 + len(sentence) <= 1_150:
            text += " " + sentence
    closing = CLOSINGS[index % len(CLOSINGS)]
    if len(text) + 1 + len(closing) <= 1_200:
        text += " " + closing
    assert 600 <= len(text) <= 1_200, (index, len(text))
    return text


def claim_summary(index: int) -> str:
    """The state's claim: 200-400 characters."""
    text = CLAIMS[index % len(CLAIMS)]
    extra = CLAIMS[(index + 2) % len(CLAIMS)]
    if len(text) + 1 + len(extra) <= 400:
        text += " " + extra
    reply = " The Government refers to its replies to the UPR working group and to its mid-term report."
    if len(text) < 200 or (index % 2 == 0 and len(text) + len(reply) <= 400):
        text += reply
    assert 200 <= len(text) <= 400, (index, len(text))
    return text


def evidence_title(index: int, item: int, section: int, year: int) -> tuple[str, str]:
    """A dated item's title (60-120 characters) and kind."""
    outlet, kind = OUTLETS[(index + item) % len(OUTLETS)]
    form = FORMS[(index + 2 * item) % len(FORMS)]
    title = form.format(outlet=outlet, headline=HEADLINES[section], year=year)
    assert 60 <= len(title) <= 120, title
    return title, kind


def record_review(client, token: str) -> int:
    """Record the review of every seed recommendation; returns how many recommendations were reviewed."""
    recommendations = read_seed(DEFAULT_SEED)["recommendations"]
    for index, item in enumerate(recommendations):
        code, section = item["code"], item["section"]
        status = STATUSES[index % len(STATUSES)]
        assessed_on = FIRST_DAY + timedelta(days=(index * 53) % 900)
        for number in range(2 + index % 2):
            published = (
                assessed_on - timedelta(days=40 * (number + 1)) + timedelta(days=90 * (index % 4 == 0))
            )
            title, kind = evidence_title(index, number, section, published.year)
            body = {
                "url": f"https://monitoring.example.org/kz/{code}/{number + 1}",
                "title": title,
                "kind": kind,
                "relation": RELATIONS[status][number],
                "published_on": published.isoformat(),
            }
            link(client, token, code, body)
        text = summary(index, section, item.get("themes", []), status)
        body = {"status": status, "effective_on": assessed_on.isoformat(), "summary": text}
        assess(client, token, code, body)
        if index % 3 == 0:
            claim = {
                "status": CLAIM_STATUSES[index % len(CLAIM_STATUSES)],
                "perspective": "state",
                "effective_on": (assessed_on - timedelta(days=120)).isoformat(),
                "summary": claim_summary(index),
            }
            assess(client, token, code, claim)
    return len(recommendations)
