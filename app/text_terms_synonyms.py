"""The hand-written tables of the text normaliser (app/text_terms.py): concepts of legal phrases, spellings.

Phrases are written as people write them and normalised by the same pipeline as every text (stop words
dropped, each word stemmed), so "peaceful assembly" also matches "peaceful assemblies" and "мирные собрания"
matches "мирных собраний". A text holding a phrase gets the concept's term (`~defamation`) beside its words.
Each group says why its phrases belong together: a monitor matching recommendations would treat them as one.
"""

from dataclasses import dataclass

from app.i18n.translation import N_


@dataclass(frozen=True)
class Concept:
    """A term added to every text that holds one of its phrases, and the name people read for it."""

    term: str
    label: str
    phrases: tuple[str, ...]


CONCEPTS: tuple[Concept, ...] = (
    # Kazakhstan's criminal code punishes defamation as "libel" (клевета) and "insult" (оскорбление) and
    # protects "honour and dignity" in civil suits: UPR states and NGOs use all these words for one offence.
    Concept(
        "~defamation",
        N_("defamation (libel, slander, insult)"),
        (
            "defamation",
            "defamatory",
            "defame",
            "libel",
            "slander",
            "insult",
            "honour and dignity",
            "dignity and honour",
            "клевета",
            "клеветы",
            "оскорбление",
            "диффамация",
            "честь и достоинство",
        ),
    ),  # fmt: skip
    # Spreading "knowingly false information" is the offence recommendations pair with defamation.
    Concept(
        "~false_information",
        N_("false information"),
        ("false information", "disinformation", "ложная информация", "ложной информации"),
    ),
    # The right of peaceful assembly is exercised at demonstrations, rallies, protests and "public events"
    # (the law's own term for them); recommendations name any of these.
    Concept(
        "~assembly",
        N_("peaceful assembly (demonstrations, rallies, protests)"),
        (
            "peaceful assembly",
            "assembly",
            "assemblies",
            "demonstration",
            "demonstrations",
            "rally",
            "protest",
            "protester",
            "public event",
            "мирные собрания",
            "митинг",
            "демонстрация",
            "демонстрации",
            "пикет",
            "публичные мероприятия",
            "протест",
        ),
    ),  # fmt: skip
    # The religion law registers "religious associations"; UPR texts say organisations, communities, groups.
    Concept(
        "~religious_association",
        N_("religious associations (organisations, communities, groups)"),
        (
            "religious association",
            "religious organisation",
            "religious community",
            "religious communities",
            "religious group",
            "faith community",
            "faith communities",
            # A denomination is a religious community by another name (as a faith group is).
            "faith group",
            "denomination",
            "религиозные объединения",
            "религиозные организации",
            "религиозные общины",
            "религиозные группы",
        ),
    ),  # fmt: skip
    # Registration and re-registration are the state's main lever over associations and faiths; the
    # unregistered are those it refused or who would not apply.
    Concept(
        "~registration",
        N_("registration (re-registration)"),
        (
            "registration",
            "register",
            "unregistered",
            # An "informal" association is one without state registration: the same question, the law's
            # other word for it.
            "informal association",
            "informal civic association",
            "informal public association",
            "регистрация",
            "перерегистрация",
            "зарегистрировать",
            "незарегистрированные",
        ),
    ),  # fmt: skip
    # One kind of body under many names: NGOs, public (civic) associations, civil society organisations, and
    # the "non-commercial organisations" of the Russian-language laws.
    Concept(
        "~ngo",
        N_("NGOs (public associations, civil society organisations)"),
        (
            "ngo",
            "ngos",
            "non-governmental organisation",
            "non-commercial organisation",
            "non-profit organisation",
            "public association",
            "civic association",
            "civil society organisation",
            "civil organisation",
            "нпо",
            "нко",
            "неправительственные организации",
            "некоммерческие организации",
            "общественные объединения",
        ),
    ),  # fmt: skip
    # The Convention against Torture covers torture and "cruel, inhuman or degrading" treatment
    # (ill-treatment); a national preventive mechanism is the body its Optional Protocol requires.
    Concept(
        "~torture",
        N_("torture and ill-treatment"),
        (
            "torture",
            "ill-treatment",
            "cruel inhuman or degrading",
            "national preventive mechanism",
            "пытки",
            "пыток",
            "жестокое обращение",
        ),
    ),  # fmt: skip
    # Press freedom recommendations speak of journalists, the media, the press, reporters, editors, outlets.
    Concept(
        "~media",
        N_("media (journalists, the press)"),
        (
            "journalist",
            "media",
            "press",
            "reporter",
            "editor",
            "newspaper",
            "broadcaster",
            "журналист",
            "сми",
            "пресса",
            "средства массовой информации",
            "редактор",
            "газета",
        ),
    ),  # fmt: skip
    # Human rights defenders and civil society activists are the same people in these texts.
    Concept(
        "~hrd",
        N_("human rights defenders (activists)"),
        ("human rights defender", "activist", "правозащитники", "активист", "защитники прав человека"),
    ),
    # Decriminalising means moving an offence out of the criminal code into civil law: recommendations say
    # either.
    Concept(
        "~decriminalise",
        N_("decriminalisation (into civil law)"),
        (
            "decriminalise",
            "decriminalisation",
            "remove from the criminal code",
            "remove criminal liability",
            "abolish criminal liability",
            "civil law",
            "civil code",
            "декриминализировать",
            "декриминализация",
            "гражданский кодекс",
        ),
    ),  # fmt: skip
    # "Extremism" and "extremist" name the same set of vague offences used against believers and critics.
    Concept(
        "~extremism",
        N_("extremism"),
        ("extremism", "extremist", "экстремизм", "экстремистский"),
    ),
    # The criminal code is also called the penal code in translations.
    Concept(
        "~criminal_code",
        N_("criminal code"),
        ("criminal code", "penal code", "уголовный кодекс"),
    ),
    # Freedom of expression, of speech and of opinion are one right (ICCPR article 19) under three names.
    Concept(
        "~expression",
        N_("freedom of expression (speech, opinion)"),
        (
            "freedom of expression",
            "freedom of speech",
            "freedom of opinion",
            "free speech",
            "свобода выражения",
            "свобода слова",
            "свобода мнений",
        ),
    ),  # fmt: skip
    # An independent judiciary and the independence of judges are one recommendation.
    Concept(
        "~judiciary",
        N_("independence of the judiciary"),
        (
            "independent judiciary",
            "independence of the judiciary",
            "independence of judges",
            "judicial independence",
            "independent judges",
            "независимость судей",
            "независимость судебной власти",
        ),
    ),  # fmt: skip
    # A bill is a draft law before parliament (законопроект, проект закона): one stage of law-making, two
    # names.
    Concept(
        "~draft_law",
        N_("draft laws (bills)"),
        ("draft law", "draft legislation", "bill", "законопроект", "проект закона"),
    ),
    # The organs of the state (государственные органы), under the names translations give them: state bodies,
    # agencies, authorities. "The authorities" alone is left out: it also means the police or a governor.
    Concept(
        "~state_body",
        N_("state bodies (government agencies)"),
        (
            "state body",
            "state bodies",
            "state agency",
            "government agency",
            "government body",
            "state authority",
            "public authority",
            "государственные органы",
            "государственных органов",
        ),
    ),  # fmt: skip
    # A court's order, decision, authorisation, review or oversight: one safeguard, a judge deciding, whether
    # the restriction is blocking a website, intercepting calls or searching a home.
    Concept(
        "~court_decision",
        N_("court decision (judicial authorisation)"),
        (
            "court order",
            "court decision",
            "court ruling",
            "decision of a court",
            "authorisation of a court",
            "judicial decision",
            "judicial review",
            "judicial oversight",
            "judicial authorisation",
            "judicial control",
            "решение суда",
            "санкция суда",
            "судебный контроль",
        ),
    ),  # fmt: skip
    # Kazakhstan's laws say "Internet resources" (интернет-ресурсы) for what recommendations call websites,
    # online content or the Internet.
    Concept(
        "~internet",
        N_("the Internet (websites, online)"),
        ("internet", "online", "website", "web site", "интернет", "интернет-ресурс"),
    ),
)

# Words whose Snowball stem collides with another word's in these texts: given a stem of their own.
STEM_OVERRIDES: dict[str, str] = {
    # "reporters" would stem to "report", and every "national report" would become press freedom.
    "reporter": "reporter",
    "reporters": "reporter",
    # "Protestants" would stem to "protest": a religious community would become a demonstration.
    "protestant": "protestant",
    "protestants": "protestant",
    # "demonstrate (its commitment)" would stem as "demonstrations" do.
    "demonstrate": "demonstrat",
    "demonstrates": "demonstrat",
    "demonstrated": "demonstrat",
    "demonstrating": "demonstrat",
    # "pressing (needs)" would stem to "press", and become the media.
    "pressing": "pressing",
}

# British and American spellings Snowball stems apart (-ise/-ize is handled by a rule, app/text_terms.py):
# each British word is stemmed as its American twin, inflections included.
SPELLINGS: tuple[tuple[str, str], ...] = (
    ("honour", "honor"),
    ("labour", "labor"),
    ("favour", "favor"),
    ("behaviour", "behavior"),
    ("colour", "color"),
    ("neighbour", "neighbor"),
    ("endeavour", "endeavor"),
    ("defence", "defense"),
    ("offence", "offense"),
    ("licence", "license"),
    ("programme", "program"),
    ("centre", "center"),
    ("judgement", "judgment"),
)
