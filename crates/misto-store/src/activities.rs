//! The activity stream. Activities of dataset and publisher saves are written
//! by those saves, in their transactions; `insert_activity` is for the rest.

use misto_core::Activity;

use crate::rows::{ActivityParams, ActivityRow};
use crate::{Result, Store};

impl Store {
    pub async fn insert_activity(&self, a: &Activity) -> Result<()> {
        let p = ActivityParams::new(a)?;
        write_tx!(self, |tx| {
            insert_activity!(tx, p);
        })
    }

    /// The activities about `object_id`, newest first.
    pub async fn list_activities(
        &self,
        object_id: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Activity>> {
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, ActivityRow>(concat!(
                "SELECT ",
                activity_columns!(),
                " FROM activities WHERE object_id = $1 \
                 ORDER BY timestamp DESC, n DESC LIMIT $2 OFFSET $3"
            ))
            .bind(object_id)
            .bind(limit.max(0))
            .bind(offset.max(0))
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(Activity::try_from).collect()
    }
}
