#!/usr/bin/env python3
"""Deterministic CSV shapes for scripts/bench-datastore.sh, streamed to disk.

    gen.py city ROWS OUT.csv     # a Ukrainian city payments register
    gen.py wide ROWS OUT.csv     # 40 columns, comma-delimited, ISO dates

Besides OUT.csv it writes OUT.csv.meta.json: what the bench queries (the
filter column and value, the sort column, the group and sum columns), what
the answers must be (computed while writing: rows, the filtered count, the
largest sorted value among the filtered rows, count and sum per group) and
the column types a reader should infer. The same seed gives the same bytes
on every machine (Python's Mersenne Twister is specified, and nothing here
depends on the locale or the clock), so runs are comparable.

Rows are written in blocks of 10,000: memory stays a few megabytes at any
size. Python 3.11 standard library only.
"""

import csv
import io
import json
import os
import random
import sys

SEED = 20261123
BLOCK = 10_000

# --- city -----------------------------------------------------------------

# The amount's header as departments write it, with a comma; another one can
# be given (BENCH_CITY_AMOUNT_HEADER) to measure past a reader or API that
# trips on the comma.
AMOUNT = os.environ.get("BENCH_CITY_AMOUNT_HEADER") or "Сума, грн"
CITY_COLUMNS = [
    "№", "Дата платежу", "Район", "Отримувач", "Код ЄДРПОУ",
    "Призначення платежу", AMOUNT, "Оплачено", "Кількість",
]
CITY_TYPES = {
    "№": "int", "Дата платежу": "date", "Район": "text", "Отримувач": "text",
    "Код ЄДРПОУ": "text", "Призначення платежу": "text", AMOUNT: "numeric",
    "Оплачено": "bool", "Кількість": "int",
}
DISTRICTS = [
    "Шевченківський", "Печерський", "Подільський",
    "Оболонський", "Дарницький", "Голосіївський",
]
FORMS = ["ТОВ", "ПП", "КП", "ФОП", "ПрАТ", "КНП", "ТзОВ", "ДП"]
NAME_ROOTS = [
    "Київбуд", "Міськсвітло", "Дніпро-Сервіс", "Зелене місто", "Теплоенерго",
    "Водоканал", "Шляхбуд", "Освіта-Плюс", "Медтехніка", "Благоустрій",
    "Автодор", "Комунсервіс", "Поліграфія", "Енергоресурс", "Будмайстер",
    "Інфоцентр", "Чисте довкілля", "Спортінвест", "Житлосервіс", "Ремтехбуд",
]
NAME_TAILS = ["", "", "", "", "-Сервіс", " Груп", "-2000", "+"]
PERSONS = [
    "Коваленко Олена Петрівна", "Шевчук Андрій Іванович", "Бондаренко Ірина Миколаївна",
    "Ткаченко Сергій Васильович", "Мельник Оксана Григорівна", "Кравчук Дмитро Олегович",
    "Олійник Наталія Степанівна", "Поліщук Віктор Анатолійович",
]
PURPOSES = [
    "Ремонт доріг", "Вивезення ТПВ", "Канцтовари", "Електроенергія",
    "Теплопостачання", "Ремонт покрівлі школи", "Медичне обладнання",
    "Утримання зелених насаджень", "Поточний ремонт", "Природний газ",
    "Комп'ютерна техніка", "Охорона об'єктів", "Водопостачання",
]


def fmt_amount_ua(kop):
    """12345678 kopecks → '123 456,78' (space thousands, decimal comma)."""
    whole, frac = divmod(kop, 100)
    s = str(whole)
    groups = []
    while len(s) > 3:
        groups.append(s[-3:])
        s = s[:-3]
    groups.append(s)
    return " ".join(reversed(groups)) + f",{frac:02d}"


def edrpou(rng):
    """An 8-digit code; about a third start with zeros (they must stay text)."""
    n = rng.randrange(0, 10_000_000) if rng.random() < 0.35 else rng.randrange(10_000_000, 45_000_000)
    return f"{n:08d}"


def city_row(rng, i, recipients):
    day = rng.randrange(0, 3 * 365)
    y, m, d = civil_from_days(day + DAY0_2023)
    district = rng.randrange(6)
    rec, code = recipients[rng.randrange(len(recipients))]
    purpose = PURPOSES[rng.randrange(len(PURPOSES))]
    r = rng.random()
    if r < 0.30:
        purpose += f"; дог. № {rng.randrange(1, 999)}"      # a ';' inside a quoted field
    elif r < 0.40:
        purpose += f", акт \"{rng.randrange(1, 500)}-А\""   # doubled quotes
    elif r < 0.45:
        purpose += f"; акт \"{rng.randrange(1, 500)}\"; {y}"  # both
    # Amounts: mostly hundreds to hundreds of thousands, a tail up to millions.
    kop = int(rng.lognormvariate(10.5, 1.6) * 100) + 1
    kop = min(kop, 999_999_999_99)
    paid = "так" if rng.random() < 0.8 else "ні"
    qty = "" if rng.random() < 0.02 else str(rng.randrange(1, 500))
    row = [str(i), f"{d:02d}.{m:02d}.{y}", DISTRICTS[district], rec, code, purpose,
           fmt_amount_ua(kop), paid, qty]
    return row, district, kop


def city_recipients(rng, n=3000):
    out = []
    for _ in range(n):
        if rng.random() < 0.2:
            name = "ФОП " + PERSONS[rng.randrange(len(PERSONS))]
        else:
            form = FORMS[rng.randrange(len(FORMS))]
            root = NAME_ROOTS[rng.randrange(len(NAME_ROOTS))] + NAME_TAILS[rng.randrange(len(NAME_TAILS))]
            name = f'{form} "{root}"'           # doubled quotes once written
            if rng.random() < 0.1:
                name += f" (філія № {rng.randrange(1, 40)})"
        out.append((name, edrpou(rng)))
    return out


def gen_city(rows, path):
    rng = random.Random(SEED)
    recipients = city_recipients(rng)
    counts = [0] * 6
    sums = [0] * 6
    top = [0] * 6
    filt = DISTRICTS.index("Подільський")
    # Excel's "CSV UTF-8" on a Ukrainian Windows: a BOM, ';', CRLF, quotes
    # only where needed, a field's quote doubled.
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=";", quotechar='"', lineterminator="\r\n",
                       quoting=csv.QUOTE_MINIMAL)
        w.writerow(CITY_COLUMNS)
        for start in range(1, rows + 1, BLOCK):
            for i in range(start, min(start + BLOCK, rows + 1)):
                row, district, kop = city_row(rng, i, recipients)
                counts[district] += 1
                sums[district] += kop
                if kop > top[district]:
                    top[district] = kop
                w.writerow(row)
            f.write(buf.getvalue())
            buf.seek(0)
            buf.truncate()
    return {
        "shape": "city",
        "rows": rows,
        "delimiter": ";",
        "encoding": "utf-8 with BOM, CRLF",
        "decimal": ",",
        "thousands": " ",
        "dateformat": "%d.%m.%Y",
        "table": "payments",
        "columns": CITY_COLUMNS,
        "types": CITY_TYPES,
        "filter_col": "Район",
        "filter_val": DISTRICTS[filt],
        "filter_count": counts[filt],
        "sort_col": AMOUNT,
        "top_sorted": top[filt] / 100,
        "group_col": "Район",
        "sum_col": AMOUNT,
        "groups": {DISTRICTS[k]: [counts[k], sums[k] / 100] for k in range(6)},
    }


# --- wide -------------------------------------------------------------------

REGIONS = ["north", "south", "east", "west", "center", "suburbs"]
CATEGORIES = ["books", "music", "garden", "tools", "toys", "food", "health",
              "sports", "auto", "home", "office", "pets"]
STATUSES = ["new", "paid", "shipped", "returned"]
CITIES = [f"city_{k:02d}" for k in range(50)]
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
         "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa",
         "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey"]


def wide_columns():
    cols = [("id", "int"), ("region", "text"), ("amount", "numeric"),
            ("created_on", "date"), ("updated_on", "date"),
            ("is_active", "bool"), ("is_verified", "bool"),
            ("category", "text"), ("status", "text"), ("city", "text"),
            ("customer", "text"), ("email", "text"), ("sku", "text"),
            ("description", "text")]
    cols += [(f"int_{k:02d}", "int") for k in range(1, 11)]
    cols += [(f"dec_{k:02d}", "numeric") for k in range(1, 9)]
    cols += [(f"code_{k:02d}", "text") for k in range(1, 5)]
    cols += [("shipped_on", "date"), ("due_on", "date"),
             ("is_gift", "bool"), ("is_export", "bool")]
    assert len(cols) == 40
    return cols


def iso(days):
    y, m, d = civil_from_days(days)
    return f"{y:04d}-{m:02d}-{d:02d}"


def gen_wide(rows, path):
    rng = random.Random(SEED + 1)
    cols = wide_columns()
    counts = [0] * 6
    sums = [0] * 6
    top = [0] * 6
    filt = REGIONS.index("east")
    rnd = rng.random
    rr = rng.randrange
    with open(path, "w", encoding="utf-8", newline="") as f:
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=",", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        w.writerow([c for c, _ in cols])
        for start in range(1, rows + 1, BLOCK):
            for i in range(start, min(start + BLOCK, rows + 1)):
                region = rr(6)
                cents = rr(1, 10_000_000)
                counts[region] += 1
                sums[region] += cents
                if cents > top[region]:
                    top[region] = cents
                created = DAY0_2023 + rr(0, 1000)
                row = [
                    i, REGIONS[region], f"{cents // 100}.{cents % 100:02d}",
                    iso(created), iso(created + rr(0, 60)),
                    "true" if rnd() < 0.7 else "false", "true" if rnd() < 0.4 else "false",
                    CATEGORIES[rr(12)], STATUSES[rr(4)], CITIES[rr(50)],
                    f"{WORDS[rr(23)].title()} {WORDS[rr(23)].title()} {rr(100000)}",
                    f"user{rr(10_000_000)}@example.{('org', 'com', 'ua')[rr(3)]}",
                    f"SKU-{rr(1 << 32):08X}",
                    " ".join(WORDS[rr(23)] for _ in range(rr(3, 9))),
                ]
                row += [rr(-1000, 1000), rr(0, 10), rr(0, 100_000), rr(0, 1 << 31),
                        rr(1900, 2030), rr(0, 2), rr(-50, 50), rr(0, 1_000_000_000_000),
                        rr(0, 365), rr(0, 24)]
                row += [f"{rnd() * 1000:.3f}", f"{rnd():.6f}", f"{rnd() * 1e6:.2f}",
                        f"{(rnd() - 0.5) * 200:.4f}", f"{rnd() * 100:.1f}", f"{rnd() * 10:.2f}",
                        f"{rnd() * 1e9:.2f}", f"{rnd():.3f}"]
                row += [f"C{rr(100):03d}", f"{WORDS[rr(23)]}-{rr(1000)}", f"Z{rr(10)}",
                        "" if rnd() < 0.1 else f"K{rr(5000):05d}"]
                row += [iso(created + rr(0, 30)), iso(created + rr(30, 120)),
                        "true" if rnd() < 0.1 else "false", "true" if rnd() < 0.3 else "false"]
                w.writerow(row)
            f.write(buf.getvalue())
            buf.seek(0)
            buf.truncate()
    return {
        "shape": "wide",
        "rows": rows,
        "delimiter": ",",
        "encoding": "utf-8, LF",
        "decimal": ".",
        "thousands": "",
        "dateformat": "%Y-%m-%d",
        "table": "wide",
        "columns": [c for c, _ in cols],
        "types": dict(cols),
        "filter_col": "region",
        "filter_val": REGIONS[filt],
        "filter_count": counts[filt],
        "sort_col": "amount",
        "top_sorted": top[filt] / 100,
        "group_col": "region",
        "sum_col": "amount",
        "groups": {REGIONS[k]: [counts[k], sums[k] / 100] for k in range(6)},
    }


# --- dates without the datetime module's per-call cost ------------------------

def days_from_civil(y, m, d):
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z):
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return y + (m <= 2), m, d


DAY0_2023 = days_from_civil(2023, 1, 1)


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("city", "wide"):
        sys.exit(__doc__)
    shape, rows, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    meta = (gen_city if shape == "city" else gen_wide)(rows, path)
    meta["bytes"] = os.path.getsize(path)
    meta["file"] = os.path.abspath(path)
    with open(path + ".meta.json", "w", encoding="utf-8") as f:
        json.dump(meta, f, ensure_ascii=False, indent=1)
    print(f"{shape}: {rows:,} rows, {meta['bytes'] / 1e6:.1f} MB, filter "
          f"{meta['filter_col']}={meta['filter_val']} keeps {meta['filter_count']:,}")


if __name__ == "__main__":
    main()
