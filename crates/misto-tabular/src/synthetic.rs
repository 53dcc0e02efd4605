//! Synthetic data for benchmarks: a CSV in the shape of the datastore bench
//! (Ukrainian text, dd.mm.yyyy dates, comma decimals, coordinates, EDRPOU
//! codes; about 143 bytes a row), generated in memory, deterministic.

/// `rows` data rows plus a header, as one UTF-8 string.
pub fn datastore_bench_csv(rows: usize) -> String {
    let streets = [
        "вул. Шевченка",
        "просп. Свободи",
        "вул. Городоцька",
        "пл. Ринок",
        "вул. Личаківська",
        "вул. Степана Бандери",
    ];
    let kinds = [
        "Школа",
        "Дитячий садок «Сонечко»",
        "Бібліотека",
        "Амбулаторія",
        "Укриття",
    ];
    let mut out = String::with_capacity(rows * 150);
    out.push_str(
        "id;назва;адреса;дата_реєстрації;сума_грн;широта;довгота;катоттг;єдрпоу;активний\n",
    );
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for i in 1..=rows {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let r = x;
        out.push_str(&format!(
            "{i};{} №{};{}, {};{:02}.{:02}.{};{},{:02};{:.6};{:.6};UA4606{:013};{:08};{}\n",
            kinds[(r % 5) as usize],
            r % 200,
            streets[((r >> 8) % 6) as usize],
            (r >> 12) % 150 + 1,
            (r >> 20) % 28 + 1,
            (r >> 25) % 12 + 1,
            2000 + (r >> 30) % 25,
            (r >> 35) % 1_000_000,
            (r >> 40) % 100,
            49.8 + ((r >> 16) % 10_000) as f64 / 100_000.0,
            24.0 + ((r >> 24) % 10_000) as f64 / 100_000.0,
            (r >> 3) % 10_000_000_000_000,
            (r >> 5) % 100_000_000,
            if r.is_multiple_of(3) {
                "ні"
            } else {
                "так"
            },
        ));
    }
    out
}
