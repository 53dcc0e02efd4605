//! Demo accounts: one sysadmin and a few publisher members with each role.

use misto_core::Role;

use crate::{DOMAIN, DemoUser};

/// The publisher whose editor's changes wait for review in the demo.
pub(crate) const MODERATED_PUBLISHER: &str = "departament-ekonomichnoho-rozvytku";

pub(crate) fn users() -> Vec<DemoUser> {
    let user =
        |name: &str, fullname: &str, mailbox: &str, sysadmin: bool, m: &[(&str, Role)]| DemoUser {
            name: name.to_string(),
            fullname: fullname.to_string(),
            email: format!("{mailbox}@{DOMAIN}"),
            password: format!("demo-{name}-2026"),
            sysadmin,
            memberships: m.iter().map(|(p, r)| (p.to_string(), *r)).collect(),
        };
    vec![
        user("admin", "Олександр Петренко", "admin", true, &[]),
        user(
            "editor",
            "Оксана Коваленко",
            "o.kovalenko",
            false,
            &[("departament-finansiv", Role::Editor)],
        ),
        user(
            "osvita",
            "Ірина Ткаченко",
            "i.tkachenko",
            false,
            &[("upravlinnia-osvity", Role::Admin)],
        ),
        user(
            "transport",
            "Марко Шевчук",
            "m.shevchuk",
            false,
            &[
                ("upravlinnia-transportu", Role::Admin),
                ("kp-miskelektrotrans", Role::Editor),
            ],
        ),
        user(
            "vodokanal",
            "Сергій Марченко",
            "s.marchenko",
            false,
            &[("kp-miskvodokanal", Role::Member)],
        ),
        user(
            "opendata",
            "Андрій Литвиненко",
            "a.lytvynenko",
            false,
            &[
                ("viddil-tsyfrovoi-transformatsii", Role::Admin),
                ("aparat-miskoi-rady", Role::Member),
            ],
        ),
        user(
            "ekonomika",
            "Наталія Бондаренко",
            "n.bondarenko",
            false,
            &[(MODERATED_PUBLISHER, Role::Editor)],
        ),
    ]
}
