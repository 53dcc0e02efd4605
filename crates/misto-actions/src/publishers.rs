//! Publishers (CKAN organizations), their members, and themes (CKAN groups).

use misto_core::themes::NATIONAL_THEMES;
use misto_core::time::now;
use misto_core::{
    Activity, EntityState, FieldErrors, Group, Membership, Publisher, PublisherKind, Role, User,
    Viewer, validate,
};

use crate::{ActionError, Portal, Result, new_id};

/// Fields a client sets on a publisher; `None` leaves a field empty.
#[derive(Debug, Clone, Default)]
pub struct PublisherInput {
    /// The id a sysadmin wants a new publisher to have (kept as CKAN keeps
    /// it, so a dump loads with its ids); ignored on update.
    pub id: Option<String>,
    pub name: String,
    pub title: Option<String>,
    pub title_en: Option<String>,
    pub description: Option<String>,
    pub edrpou: Option<String>,
    pub kind: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
    pub address: Option<String>,
    pub image_url: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct GroupInput {
    /// As [`PublisherInput::id`].
    pub id: Option<String>,
    pub name: String,
    pub title: Option<String>,
    pub title_en: Option<String>,
    pub description: Option<String>,
    pub image_url: Option<String>,
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

fn apply_publisher_input(p: &mut Publisher, input: PublisherInput) -> Result<()> {
    let mut errors = FieldErrors::new();
    p.name = input.name.trim().to_string();
    p.title = non_empty(input.title).unwrap_or_else(|| p.name.clone());
    p.title_en = non_empty(input.title_en);
    p.description = input.description.unwrap_or_default();
    p.edrpou = non_empty(input.edrpou);
    p.kind = match non_empty(input.kind) {
        None => PublisherKind::Other,
        Some(k) => PublisherKind::parse(&k).unwrap_or_else(|| {
            errors.add(
                "kind",
                "Must be one of: executive_body, communal_enterprise, institution, other",
            );
            PublisherKind::Other
        }),
    };
    p.email = non_empty(input.email);
    p.phone = non_empty(input.phone);
    p.website = non_empty(input.website);
    p.address = non_empty(input.address);
    p.image_url = non_empty(input.image_url);
    if let Err(e) = validate::publisher(p) {
        errors.merge(e);
    }
    errors.into_result().map_err(ActionError::from)
}

fn publisher_activity(actor: &Viewer, p: &Publisher, kind: &str) -> Activity {
    Activity {
        id: new_id(),
        timestamp: now(),
        user_id: actor.user_id.clone(),
        object_id: p.id.clone(),
        activity_type: kind.to_string(),
        publisher_id: Some(p.id.clone()),
        data: serde_json::json!({ "organization": p }),
    }
}

impl Portal {
    /// Creates a publisher. Sysadmins only; a creating user becomes its admin.
    pub async fn create_publisher(
        &self,
        actor: &Viewer,
        input: PublisherInput,
    ) -> Result<Publisher> {
        if !actor.sysadmin {
            return Err(ActionError::denied("only sysadmins create publishers"));
        }
        let t = now();
        let id = self
            .wanted_id(actor, input.id.clone(), |id| {
                self.group_or_publisher_id_taken(id)
            })
            .map_err(|msg| ActionError::invalid("id", msg))?;
        let mut p = Publisher {
            id,
            name: String::new(),
            title: String::new(),
            title_en: None,
            description: String::new(),
            edrpou: None,
            kind: PublisherKind::Other,
            email: None,
            phone: None,
            website: None,
            address: None,
            image_url: None,
            state: EntityState::Active,
            created: t,
            modified: t,
        };
        apply_publisher_input(&mut p, input)?;
        self.store
            .insert_publisher(&p, Some(&publisher_activity(actor, &p, "new organization")))
            .await?;
        if let Some(uid) = &actor.user_id {
            let m = Membership {
                user_id: uid.clone(),
                publisher_id: p.id.clone(),
                role: Role::Admin,
            };
            self.store.upsert_membership(&m).await?;
        }
        self.refresh().await?;
        Ok(p)
    }

    /// Replaces a publisher's fields (CKAN organization_update). Admins of the
    /// publisher and sysadmins.
    pub async fn update_publisher(
        &self,
        actor: &Viewer,
        id_or_name: &str,
        input: PublisherInput,
    ) -> Result<Publisher> {
        let mut p = self.find_publisher_record(id_or_name).await?;
        if !actor.can_admin(&p.id) {
            return Err(ActionError::denied(format!(
                "not authorized to edit publisher {}",
                p.name
            )));
        }
        apply_publisher_input(&mut p, input)?;
        p.modified = now();
        self.store
            .update_publisher(
                &p,
                Some(&publisher_activity(actor, &p, "changed organization")),
            )
            .await?;
        self.refresh().await?;
        Ok(p)
    }

    async fn find_publisher_record(&self, id_or_name: &str) -> Result<Publisher> {
        self.store
            .find_publisher(id_or_name)
            .await?
            .filter(|p| p.state == EntityState::Active)
            .ok_or_else(|| ActionError::not_found("organization"))
    }

    /// An active publisher, from the catalog.
    pub fn show_publisher(&self, id_or_name: &str) -> Result<Publisher> {
        self.catalog
            .read(|ix| ix.publisher(id_or_name).cloned())
            .filter(|p| p.state == EntityState::Active)
            .ok_or_else(|| ActionError::not_found("organization"))
    }

    /// Active publishers ordered by name.
    pub fn list_publishers(&self) -> Vec<Publisher> {
        self.catalog.read(|ix| {
            ix.publishers()
                .iter()
                .filter(|p| p.state == EntityState::Active)
                .cloned()
                .collect()
        })
    }

    /// Adds a user to a publisher or changes their role. Publisher admins and
    /// sysadmins.
    pub async fn set_member(
        &self,
        actor: &Viewer,
        publisher: &str,
        user: &str,
        role: &str,
    ) -> Result<()> {
        let p = self.find_publisher_record(publisher).await?;
        if !actor.can_admin(&p.id) {
            return Err(ActionError::denied(format!(
                "not authorized to manage members of {}",
                p.name
            )));
        }
        let role = Role::parse(role)
            .ok_or_else(|| ActionError::invalid("role", "Must be one of: admin, editor, member"))?;
        let u = self
            .store
            .find_user(user)
            .await?
            .filter(|u| u.state == EntityState::Active)
            .ok_or_else(|| ActionError::not_found("user"))?;
        let before = self
            .store
            .memberships_of_user(&u.id)
            .await?
            .into_iter()
            .find(|m| m.publisher_id == p.id)
            .map(|m| m.role);
        let m = Membership {
            user_id: u.id.clone(),
            publisher_id: p.id,
            role,
        };
        self.store.upsert_membership(&m).await?;
        // A lowered role ends the user's sessions (they log in again with
        // the rights they now have).
        let rank = |r: Role| match r {
            Role::Admin => 3,
            Role::Editor => 2,
            Role::Member => 1,
        };
        if before.is_some_and(|b| rank(b) > rank(role)) {
            self.end_sessions_of(&u, "role lowered").await?;
        }
        self.refresh().await?;
        Ok(())
    }

    pub async fn remove_member(&self, actor: &Viewer, publisher: &str, user: &str) -> Result<()> {
        let p = self.find_publisher_record(publisher).await?;
        if !actor.can_admin(&p.id) {
            return Err(ActionError::denied(format!(
                "not authorized to manage members of {}",
                p.name
            )));
        }
        let u = self
            .store
            .find_user(user)
            .await?
            .ok_or_else(|| ActionError::not_found("user"))?;
        if !self.store.delete_membership(&u.id, &p.id).await? {
            return Err(ActionError::not_found("membership"));
        }
        self.end_sessions_of(&u, "membership removed").await?;
        self.refresh().await?;
        Ok(())
    }

    /// Members with their roles, for the publisher's members and sysadmins.
    pub async fn publisher_members(
        &self,
        actor: &Viewer,
        publisher: &str,
    ) -> Result<Vec<(User, Role)>> {
        let p = self.find_publisher_record(publisher).await?;
        if !(actor.sysadmin || actor.role_in(&p.id).is_some()) {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for m in self.store.members_of_publisher(&p.id).await? {
            if let Some(u) = self.store.find_user(&m.user_id).await? {
                out.push((u, m.role));
            }
        }
        Ok(out)
    }

    pub async fn create_group(&self, actor: &Viewer, input: GroupInput) -> Result<Group> {
        if !actor.sysadmin {
            return Err(ActionError::denied("only sysadmins create themes"));
        }
        let name = input.name.trim().to_string();
        if !misto_core::names::is_valid_name(&name) {
            return Err(ActionError::invalid(
                "name",
                "Must be 2 to 100 characters of lowercase latin letters, digits, - and _",
            ));
        }
        let id = self
            .wanted_id(actor, input.id, |id| self.group_or_publisher_id_taken(id))
            .map_err(|msg| ActionError::invalid("id", msg))?;
        if self.catalog.read(|ix| ix.group(&name).is_some()) {
            return Err(ActionError::invalid(
                "name",
                "Group name already exists in database",
            ));
        }
        let g = Group {
            id,
            title: non_empty(input.title).unwrap_or_else(|| name.clone()),
            name,
            title_en: non_empty(input.title_en),
            description: input.description.unwrap_or_default(),
            image_url: non_empty(input.image_url),
            state: EntityState::Active,
            created: now(),
        };
        crate::check_text(&g)?;
        self.store.insert_group(&g).await?;
        self.refresh().await?;
        Ok(g)
    }

    /// Replaces a theme's title, description and image (CKAN group_update;
    /// sysadmins). The name may change to one not in use.
    pub async fn update_group(
        &self,
        actor: &Viewer,
        id_or_name: &str,
        input: GroupInput,
    ) -> Result<Group> {
        if !actor.sysadmin {
            return Err(ActionError::denied("only sysadmins edit themes"));
        }
        let mut g = self
            .store
            .find_group(id_or_name)
            .await?
            .filter(|g| g.state == EntityState::Active)
            .ok_or_else(|| ActionError::not_found("group"))?;
        let name = match non_empty(Some(input.name)) {
            None => g.name.clone(),
            Some(n) => n,
        };
        if !misto_core::names::is_valid_name(&name) {
            return Err(ActionError::invalid(
                "name",
                "Must be 2 to 100 characters of lowercase latin letters, digits, - and _",
            ));
        }
        if self
            .catalog
            .read(|ix| ix.group(&name).is_some_and(|other| other.id != g.id))
        {
            return Err(ActionError::invalid(
                "name",
                "Group name already exists in database",
            ));
        }
        g.title = non_empty(input.title).unwrap_or_else(|| name.clone());
        g.name = name;
        g.title_en = non_empty(input.title_en);
        g.description = input.description.unwrap_or_default();
        g.image_url = non_empty(input.image_url);
        self.store.update_group(&g).await?;
        self.refresh().await?;
        Ok(g)
    }

    /// Whether a publisher or a theme has this id (CKAN keeps both in one
    /// table, so an id names at most one of them).
    fn group_or_publisher_id_taken(&self, id: &str) -> bool {
        self.catalog.read(|ix| {
            ix.publisher(id).is_some_and(|p| p.id == id) || ix.group(id).is_some_and(|g| g.id == id)
        })
    }

    pub fn show_group(&self, id_or_name: &str) -> Result<Group> {
        self.catalog
            .read(|ix| ix.group(id_or_name).cloned())
            .filter(|g| g.state == EntityState::Active)
            .ok_or_else(|| ActionError::not_found("group"))
    }

    pub fn list_groups(&self) -> Vec<Group> {
        self.catalog.read(|ix| {
            ix.groups()
                .iter()
                .filter(|g| g.state == EntityState::Active)
                .cloned()
                .collect()
        })
    }

    /// Makes sure the 12 national themes exist (run at start; idempotent).
    pub async fn seed_themes(&self) -> Result<()> {
        let mut added = false;
        for (name, title, title_en) in NATIONAL_THEMES {
            if self.store.find_group(name).await?.is_none() {
                let g = Group {
                    id: new_id(),
                    name: name.into(),
                    title: title.into(),
                    title_en: Some(title_en.into()),
                    description: String::new(),
                    image_url: None,
                    state: EntityState::Active,
                    created: now(),
                };
                match self.store.insert_group(&g).await {
                    Ok(_) => added = true,
                    // Another process seeded it at the same moment.
                    Err(misto_store::StoreError::Conflict { .. }) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        if added {
            self.refresh().await?;
        }
        Ok(())
    }
}
