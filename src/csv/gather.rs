//! What the leak sweep gathers while a CSV is scrubbed as a stream: the kept columns' values
//! and the removed values that may be among them. The verdict on what was gathered is the
//! sweep's (`verify::sweep::finish_streamed`).

use crate::map::Map;
use crate::needles::{identifies, names_people, only_in_compounds, Haystack};
use std::collections::{HashMap, HashSet};

/// What the residual check needs of a CSV scrubbed as a stream (one record in memory at a
/// time). It takes two passes over the records:
///
/// 1. [`KeptValues`] counts the distinct values of the kept columns in every record, and
///    indexes them ([`Haystack`]);
/// 2. during the stream, [`Gathered::record`] looks each value the map removes up in that
///    index: only a value whose first word is in some kept text can be found there (a
///    fraction of the millions removed in a large export); those are searched in batches as
///    they come, and only what they hit is kept. A deleted row's kept values are taken off
///    the counts ([`Gathered::forget`]).
///
/// The first pass may run beside the stream ([`Gathered::waiting`]): until its index is
/// handed over ([`Gathered::set_kept`]), the removed values and deleted rows' kept values
/// wait in memory, and are then handled as above. Otherwise no removed value is held longer
/// than its batch.
#[derive(Debug)]
pub struct Gathered {
    pub(crate) sheet: String,
    pub(crate) headers: Vec<String>,
    /// The kept columns' values, once the first pass is over.
    pub(crate) kept: Option<KeptValues>,
    /// Per column: whether it names people (see [`identifies`]).
    named: Vec<bool>,
    /// Per rule of the map: whether its key names people.
    rule_named: Vec<bool>,
    /// Removed values waiting to be searched, one after the other: value `i` ends at
    /// `ends[i]`; with whether it came from a column of people's names (or is what `redact`
    /// replaced). Before the first pass is over, every removed value; then only those some
    /// kept text may hold.
    pending: String,
    ends: Vec<usize>,
    names: Vec<bool>,
    /// Per column: whether it is kept (see [`KeptValues`]).
    is_kept: Vec<bool>,
    /// Kept values of deleted rows seen before the first pass was over: column and value.
    forgotten: Vec<(usize, Box<str>)>,
    /// What the searches found: whether the value identifies a person on its own (see
    /// [`identifies`]), and the kept text holding it.
    pub(crate) hits: HashSet<(bool, u32)>,
}

/// The distinct values of a streamed CSV's kept columns (neither scrubbed nor protected), with
/// how many cells hold each, indexed for the leak sweep (see [`Gathered`]).
#[derive(Debug)]
pub struct KeptValues {
    /// Per column: kept (then each distinct value's text number in `hay`), or scrubbed.
    kept: Vec<Option<HashMap<Box<str>, u32>>>,
    /// The kept columns, in order.
    columns: Vec<usize>,
    /// How many columns the header names (see [`KeptValues::width`]).
    width: usize,
    /// The distinct kept values.
    hay: Haystack,
    /// Per text of `hay`: its column and how many kept cells hold it.
    pub(crate) texts: Vec<(u32, u64)>,
}

impl KeptValues {
    /// The columns whose values [`KeptValues::count`] takes, in order.
    pub fn columns(&self) -> &[usize] {
        &self.columns
    }

    /// How many columns the header names: a field past them is in a kept column too.
    pub fn width(&self) -> usize {
        self.width
    }

    /// A record's `value` in kept column `col` (see [`KeptValues::columns`]), or in a column
    /// past the header's (a record with more fields than the header), which is kept too, as
    /// the sweep of the file read whole keeps it.
    pub fn count(&mut self, col: usize, value: &str) {
        if value.is_empty() {
            return;
        }
        if col >= self.width && col >= self.kept.len() {
            for c in self.kept.len()..=col {
                self.kept.push(Some(HashMap::new()));
                self.columns.push(c);
            }
        }
        let Some(Some(seen)) = self.kept.get_mut(col) else {
            return;
        };
        match seen.get(value) {
            Some(&t) => self.texts[t as usize].1 += 1,
            None => {
                let t = self.hay.push(value, true);
                seen.insert(value.into(), t);
                self.texts.push((col as u32, 1));
            }
        }
    }

    /// A deleted record's `value` in column `col` is no kept cell of the output.
    fn forget(&mut self, col: usize, value: &str) {
        if let Some(Some(seen)) = self.kept.get(col) {
            if let Some(&t) = seen.get(value) {
                let cells = &mut self.texts[t as usize].1;
                *cells = cells.saturating_sub(1);
            }
        }
    }
}

impl Gathered {
    /// Ready for a sheet whose columns `plan` scrubs. Its kept values come from the first
    /// pass: see [`Gathered::kept_values`].
    pub fn new(map: &Map, plan: &crate::plan::SheetPlan, sheet: &str, headers: &[String]) -> Self {
        Gathered {
            sheet: sheet.to_string(),
            headers: headers.to_vec(),
            kept: None,
            named: headers.iter().map(|h| names_people(h)).collect(),
            rule_named: map.rules.iter().map(|r| names_people(&r.key)).collect(),
            pending: String::new(),
            ends: Vec::new(),
            names: Vec::new(),
            is_kept: Vec::new(),
            forgotten: Vec::new(),
            hits: HashSet::new(),
        }
        .with_columns(map, plan)
    }

    /// Decide the kept columns: `kept` is then an empty [`KeptValues`] to hand out.
    fn with_columns(mut self, map: &Map, plan: &crate::plan::SheetPlan) -> Self {
        let protected = crate::plan::protected_columns(&self.headers, None);
        let scrubbed: HashSet<u32> = plan
            .targets
            .iter()
            .filter(|t| !matches!(map.rules[t.rule].action, crate::actions::Action::Keep))
            .map(|t| t.col)
            .collect();
        let kept: Vec<Option<HashMap<Box<str>, u32>>> = (0..self.headers.len() as u32)
            .map(|c| (!scrubbed.contains(&c) && !protected[c as usize]).then(HashMap::new))
            .collect();
        self.is_kept = kept.iter().map(Option::is_some).collect();
        self.kept = Some(KeptValues {
            columns: (0..kept.len()).filter(|&c| kept[c].is_some()).collect(),
            width: kept.len(),
            kept,
            hay: Haystack::default(),
            texts: Vec::new(),
        });
        self
    }

    /// The empty [`KeptValues`] for the first pass to fill and hand back with
    /// [`Gathered::set_kept`]; until then the sweep is [`Gathered::waiting`].
    pub fn kept_values(&mut self) -> KeptValues {
        self.kept.take().unwrap_or_else(|| KeptValues {
            kept: Vec::new(),
            columns: Vec::new(),
            width: 0,
            hay: Haystack::default(),
            texts: Vec::new(),
        })
    }

    /// Whether the kept values are yet to come (see [`Gathered::set_kept`]).
    pub fn waiting(&self) -> bool {
        self.kept.is_none()
    }

    /// The kept values of every record, from the first pass: what waited is handled now.
    pub fn set_kept(&mut self, mut kept: KeptValues) {
        for (col, value) in std::mem::take(&mut self.forgotten) {
            kept.forget(col, &value);
        }
        let pending = std::mem::take(&mut self.pending);
        let ends = std::mem::take(&mut self.ends);
        let names = std::mem::take(&mut self.names);
        self.kept = Some(kept);
        let mut start = 0;
        for (end, name) in ends.into_iter().zip(names) {
            self.push(&pending[start..end], name);
            start = end;
        }
    }

    /// A deleted record (`fields`): its kept values are no kept cells of the output.
    pub fn forget<'f>(&mut self, fields: impl Iterator<Item = &'f str>) {
        for (c, field) in fields.enumerate() {
            match &mut self.kept {
                Some(kept) => kept.forget(c, field),
                // A field past the header is in a kept column.
                None if self.is_kept.get(c).copied().unwrap_or(true) && !field.is_empty() => {
                    self.forgotten.push((c, field.into()));
                }
                None => {}
            }
        }
    }

    /// One kept record (`field` gives its fields by column) and its changes.
    pub fn record<'f>(
        &mut self,
        map: &Map,
        field: impl Fn(usize) -> Option<&'f str>,
        changes: &[crate::apply::Change],
    ) {
        if self.kept.as_ref().is_some_and(|k| k.hay.is_empty()) {
            return;
        }
        for change in changes {
            let c = change.col as usize;
            let Some(old) = field(c).filter(|f| !f.is_empty()) else {
                continue;
            };
            let rule = &map.rules[change.rule];
            match &rule.action {
                crate::actions::Action::Redact(r) => {
                    for v in r.replaced(old, &[]) {
                        self.push(&v, true);
                    }
                }
                _ => {
                    let name =
                        self.named.get(c).copied().unwrap_or(false) || self.rule_named[change.rule];
                    self.push(old, name);
                }
            }
        }
    }

    /// Removed values searched at once (in parallel).
    const BATCH: usize = 1 << 14;

    fn push(&mut self, value: &str, name: bool) {
        // A value too short to be searched is never found, and one whose first word is in no
        // kept text cannot be found there.
        if crate::needles::never_found(value) {
            return;
        }
        let Some(kept) = &self.kept else {
            self.pending.push_str(value);
            self.ends.push(self.pending.len());
            self.names.push(name);
            return;
        };
        if !kept.hay.may_hold(value) {
            return;
        }
        self.pending.push_str(value);
        self.ends.push(self.pending.len());
        self.names.push(name);
        if self.ends.len() == Self::BATCH {
            self.search();
        }
    }

    /// Search the kept texts for the pending values.
    pub(crate) fn search(&mut self) {
        let Some(kept) = &self.kept else {
            return;
        };
        let mut start = 0;
        let values: Vec<&str> = self
            .ends
            .iter()
            .map(|&end| {
                let value = &self.pending[start..end];
                start = end;
                value
            })
            .collect();
        for (v, t) in kept.hay.find(&values) {
            if !only_in_compounds(kept.hay.text(t), values[v]) {
                self.hits.insert((identifies(values[v], self.names[v]), t));
            }
        }
        self.pending.clear();
        self.ends.clear();
        self.names.clear();
    }
}
