//! Who may read and change what. Pure rules over a [`Viewer`]; the actions
//! layer builds the viewer from a token or session and applies these rules at
//! every door (API, pages, downloads, search, activity).

use std::collections::HashMap;

use crate::{Dataset, DatasetState, Role};

/// The person (or anonymous caller) a request acts for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Viewer {
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    pub sysadmin: bool,
    /// Publisher id → the viewer's role there.
    pub roles: HashMap<String, Role>,
}

impl Viewer {
    pub fn anonymous() -> Self {
        Self::default()
    }

    pub fn is_anonymous(&self) -> bool {
        self.user_id.is_none()
    }

    pub fn role_in(&self, publisher_id: &str) -> Option<Role> {
        self.roles.get(publisher_id).copied()
    }

    /// May create and change datasets of the publisher.
    pub fn can_edit_in(&self, publisher_id: &str) -> bool {
        self.sysadmin || self.role_in(publisher_id).is_some_and(Role::can_edit)
    }

    /// May manage the publisher itself and its members.
    pub fn can_admin(&self, publisher_id: &str) -> bool {
        self.sysadmin
            || self
                .role_in(publisher_id)
                .is_some_and(Role::can_manage_members)
    }
}

/// Whether the viewer may see the dataset at all (show, download, activity).
/// Deleted datasets: sysadmins and the publisher's editors. Drafts: sysadmins,
/// the creator, and the publisher's editors. Private datasets: sysadmins and
/// any member of the publisher.
pub fn can_read_dataset(v: &Viewer, d: &Dataset) -> bool {
    if v.sysadmin {
        return true;
    }
    let role = v.role_in(&d.owner_org);
    match d.state {
        DatasetState::Deleted => role.is_some_and(Role::can_edit),
        DatasetState::Draft => {
            role.is_some_and(Role::can_edit)
                || (v.user_id.is_some() && v.user_id == d.creator_user_id)
        }
        DatasetState::Active => !d.private || role.is_some(),
    }
}

pub fn can_edit_dataset(v: &Viewer, d: &Dataset) -> bool {
    v.can_edit_in(&d.owner_org)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::now;

    fn ds(state: DatasetState, private: bool) -> Dataset {
        let t = now();
        Dataset {
            id: "d1".into(),
            name: "d1".into(),
            title: "t".into(),
            title_en: None,
            notes: String::new(),
            notes_en: None,
            owner_org: "org".into(),
            private,
            state,
            license_id: "cc-by-4.0".into(),
            author: None,
            author_email: None,
            maintainer: None,
            maintainer_email: None,
            url: None,
            version: None,
            tags: vec![],
            groups: vec![],
            language: "ua".into(),
            update_frequency: None,
            purpose_of_collecting_information: None,
            resolution_835_item: None,
            spatial_katottg: None,
            temporal_start: None,
            temporal_end: None,
            data_updated: None,
            extras: vec![],
            creator_user_id: Some("u-creator".into()),
            metadata_created: t,
            metadata_modified: t,
            revision: 1,
            seq: 1,
            resources: vec![],
        }
    }

    fn viewer(role: Option<Role>, user: &str) -> Viewer {
        let mut v = Viewer {
            user_id: Some(user.into()),
            ..Viewer::default()
        };
        if let Some(r) = role {
            v.roles.insert("org".into(), r);
        }
        v
    }

    #[test]
    fn visibility_table() {
        let anon = Viewer::anonymous();
        let outsider = viewer(None, "u-x");
        let member = viewer(Some(Role::Member), "u-m");
        let editor = viewer(Some(Role::Editor), "u-e");
        let creator = viewer(None, "u-creator");
        let admin = Viewer {
            sysadmin: true,
            ..viewer(None, "root")
        };
        let cases = [
            (
                DatasetState::Active,
                false,
                [true, true, true, true, true, true],
            ),
            (
                DatasetState::Active,
                true,
                [false, false, true, true, false, true],
            ),
            (
                DatasetState::Draft,
                false,
                [false, false, false, true, true, true],
            ),
            (
                DatasetState::Deleted,
                false,
                [false, false, false, true, false, true],
            ),
        ];
        for (state, private, want) in cases {
            let d = ds(state, private);
            let got = [&anon, &outsider, &member, &editor, &creator, &admin]
                .map(|v| can_read_dataset(v, &d));
            assert_eq!(got, want, "{state:?} private={private}");
        }
    }
}
