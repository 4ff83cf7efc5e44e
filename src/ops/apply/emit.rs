//! The healed series written back as clean `git format-patch` mails (`apply --emit-healed`),
//! and the author each patch is committed and mailed as.

use super::{ApplyError, PatchReport, Plan};
use crate::mail::write::{FileChange, MailHeader};
use crate::mail::{Patch, Person, Series};
use std::collections::BTreeMap;

pub(super) fn author_of(p: &Patch) -> (String, String) {
    match &p.author {
        Some(a) => (
            if a.name.is_empty() {
                a.email.clone()
            } else {
                a.name.clone()
            },
            a.email.clone(),
        ),
        None => ("Unknown".into(), "unknown@unknown".into()),
    }
}

/// The series as clean `git format-patch` mails, one after another (an mbox).
pub(super) fn healed_mails(series: &Series, plan: &Plan, reports: &[PatchReport]) -> Result<String, ApplyError> {
    let mut out = String::new();
    let mut before: BTreeMap<String, String> = plan
        .states
        .iter()
        .map(|(p, s)| (p.clone(), s.original.clone()))
        .collect();
    for ((patch, snap), report) in series.patches.iter().zip(&plan.snapshots).zip(reports) {
        let changes: Vec<FileChange> = patch
            .files
            .iter()
            .map(|f| {
                let path = f.path().to_string();
                let state = &plan.states[&path];
                FileChange {
                    old: if f.is_new_file() && before[&path].is_empty() {
                        None
                    } else {
                        Some(before[&path].clone())
                    },
                    new: snap[&path].clone(),
                    path,
                    mode: state.mode,
                }
            })
            .collect();
        let (name, email) = author_of(patch);
        let mut prefix = patch.prefix.clone();
        prefix.patch = true;
        let header = MailHeader {
            from: Person { name, email },
            date: patch.date.unwrap_or_else(|| chrono::Utc::now().fixed_offset()),
            prefix,
            subject: patch.subject.clone(),
            message: patch
                .commit_message()
                .split_once('\n')
                .map(|(_, rest)| rest.trim().to_string())
                .unwrap_or_default(),
            commit_id: report.commit.clone().unwrap_or_else(|| "0".repeat(40)),
            signature: format!("kfpatch {}", env!("CARGO_PKG_VERSION")),
            base_commit: None,
        };
        out.push_str(&crate::mail::write::render_mail(&header, &changes)?);
        before.extend(snap.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    Ok(out)
}
