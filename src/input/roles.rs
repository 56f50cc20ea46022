//! Column roles (docs/METHODS.md §1.2): which column of a table holds the time, the
//! customer, the channel… found by alias, or set with `--col TABLE.ROLE=COLUMN`.

use std::collections::BTreeMap;
use std::fmt;

use anyhow::{Result, bail};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Table {
    Complaints,
    Deliveries,
}

impl Table {
    pub fn name(self) -> &'static str {
        match self {
            Table::Complaints => "complaints",
            Table::Deliveries => "deliveries",
        }
    }

    /// Roles of this table in the order they claim columns.
    pub fn roles(self) -> &'static [Role] {
        match self {
            Table::Complaints => &[
                Role::Time,
                Role::Id,
                Role::Customer,
                Role::Channel,
                Role::Order,
                Role::Category,
                Role::Count,
            ],
            Table::Deliveries => &[Role::Time, Role::Count, Role::Customer, Role::Order],
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Time,
    Customer,
    Channel,
    Order,
    Category,
    Id,
    Count,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Time => "time",
            Role::Customer => "customer",
            Role::Channel => "channel",
            Role::Order => "order",
            Role::Category => "category",
            Role::Id => "id",
            Role::Count => "count",
        })
    }
}

impl Role {
    fn parse(name: &str) -> Option<Role> {
        Some(match normalize(name).as_str() {
            "time" => Role::Time,
            "customer" => Role::Customer,
            "channel" => Role::Channel,
            "order" => Role::Order,
            "category" => Role::Category,
            "id" => Role::Id,
            "count" => Role::Count,
            _ => return None,
        })
    }

    /// Column-name aliases, tried in order (docs/METHODS.md §1.2).
    fn aliases(self, table: Table) -> &'static [&'static str] {
        match (self, table) {
            (Role::Time, Table::Complaints) => &[
                "created_at",
                "created",
                "date",
                "timestamp",
                "date_received",
                "received_at",
                "opened",
                "contact_date",
                "createddate",
                "date_time_opened",
                "created_date",
                "created_time",
                "opened_at",
                "reported_at",
                "submitted_at",
                // The `sql complaints` result.
                "day",
            ],
            (Role::Time, Table::Deliveries) => &[
                "delivered_at",
                "delivery_date",
                "date",
                "shipped_at",
                "order_date",
                "created_at",
                "week",
                "week_start",
                "month",
                "day",
                "period",
            ],
            (Role::Customer, _) => &[
                "customer_id",
                "customer",
                "client_id",
                "requester_id",
                "requester",
                "account_id",
                "user_id",
                "customerid",
                "accountid",
                "customer_unique_id",
                "account_name",
                "contact_id",
                "requester_email",
                "requester_name",
                "contact",
                "email",
                "customer_email",
                "author_id",
                "author",
                "caller",
            ],
            (Role::Channel, _) => &[
                "channel",
                "via",
                "source",
                "submitted_via",
                "received_via",
                "origin",
                "medium",
                "contact_channel",
                "case_origin",
                "contactchannelid",
                "contact_type",
            ],
            (Role::Order, _) => {
                &["order_id", "order", "delivery_id", "shipment_id", "parcel_id", "tracking_number"]
            }
            (Role::Category, _) => &["category", "reason", "type", "issue", "topic", "product", "subject"],
            (Role::Id, _) => &[
                "complaint_id",
                "ticket_id",
                "id",
                "case_number",
                "ticket",
                "complaintid",
                "case_id",
                "incident",
                "incident_id",
                "number",
            ],
            (Role::Count, Table::Deliveries) => {
                &["count", "deliveries", "n", "volume", "orders", "shipments"]
            }
            // Complaints that arrive already counted (a regulator's rows per
            // month and site); the values must read as counts (`input::plan`).
            (Role::Count, Table::Complaints) => &[
                "count",
                "n",
                "complaints",
                "complaint_count",
                "number_of_complaints",
                "num_complaints",
                "volume",
            ],
        }
    }
}

/// A name shape that marks a role when no alias matches, on normalized
/// names (SPEC-style `*` wildcards).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pattern {
    /// `*x`
    EndsWith(&'static str),
    /// `x*`
    StartsWith(&'static str),
    /// `*x*`
    Contains(&'static str),
    /// `*x*y*`
    ContainsBoth(&'static str, &'static str),
}

impl Pattern {
    fn matches(self, name: &str) -> bool {
        match self {
            Pattern::EndsWith(x) => name.ends_with(x),
            Pattern::StartsWith(x) => name.starts_with(x),
            Pattern::Contains(x) => name.contains(x),
            Pattern::ContainsBoth(x, y) => name.find(x).is_some_and(|i| name[i + x.len()..].contains(y)),
        }
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pattern::EndsWith(x) => write!(f, "*{x}"),
            Pattern::StartsWith(x) => write!(f, "{x}*"),
            Pattern::Contains(x) => write!(f, "*{x}*"),
            Pattern::ContainsBoth(x, y) => write!(f, "*{x}*{y}*"),
        }
    }
}

impl Role {
    /// Name shapes tried after the aliases (`*_created_at`, `*delivered*date*`…).
    fn patterns(self, table: Table) -> &'static [Pattern] {
        match (self, table) {
            (Role::Time, Table::Complaints) => &[
                Pattern::EndsWith("createdat"),
                Pattern::EndsWith("creationdate"),
                Pattern::EndsWith("createddate"),
                Pattern::EndsWith("openedat"),
                Pattern::StartsWith("dateof"),
                // `open_dt`, `closed_dt`: the values decide among them.
                Pattern::EndsWith("dt"),
            ],
            (Role::Time, Table::Deliveries) => &[
                Pattern::ContainsBoth("delivered", "date"),
                Pattern::ContainsBoth("delivery", "date"),
                Pattern::EndsWith("createdat"),
                Pattern::EndsWith("creationdate"),
                Pattern::StartsWith("weekstart"),
                Pattern::EndsWith("timestamp"),
                Pattern::EndsWith("dt"),
            ],
            (Role::Customer, _) => &[Pattern::Contains("email"), Pattern::StartsWith("caller")],
            (Role::Channel, _) => &[Pattern::Contains("channel")],
            (Role::Order, _) => &[Pattern::EndsWith("orderid"), Pattern::EndsWith("ordernumber")],
            _ => &[],
        }
    }
}

/// Words that make a column name a time's, tried after the aliases and
/// shapes; among such columns only one whose values read as times may be
/// the time (`input::plan`).
const TIME_WORDS: [&str; 7] = ["date", "time", "created", "opened", "month", "period", "week"];

/// Why a column plays its role (what `inspect` says).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Choice {
    /// `--col` or the config file.
    Named,
    /// Its name is the alias.
    Alias(&'static str),
    /// Its name has the shape.
    Pattern(Pattern),
    /// Its name has a date or time word (the time role only).
    Word(&'static str),
}

impl Choice {
    /// Aliases come first, then shapes, then words: a time column is
    /// chosen from the first rank that has one whose values read as times.
    pub fn rank(&self) -> u8 {
        match self {
            Choice::Named => 0,
            Choice::Alias(_) => 1,
            Choice::Pattern(_) => 2,
            Choice::Word(_) => 3,
        }
    }
}

impl fmt::Display for Choice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Choice::Named => f.write_str("named with --col or the config"),
            Choice::Alias(a) => write!(f, "name is {a}"),
            Choice::Pattern(p) => write!(f, "name looks like {p}"),
            Choice::Word(w) => write!(f, "name has {w:?} and its values read as times"),
        }
    }
}

/// Column names compare with case and punctuation ignored:
/// `Date received` = `date_received` = `DateReceived`.
pub fn normalize(name: &str) -> String {
    name.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// `--col TABLE.ROLE=COLUMN`, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnOverride {
    pub table: Table,
    pub role: Role,
    pub column: String,
}

impl std::str::FromStr for ColumnOverride {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let usage = || {
            format!("--col takes TABLE.ROLE=COLUMN (e.g. complaints.customer=\"Client ID\"), got {text:?}")
        };
        let (target, column) = text.split_once('=').ok_or_else(usage)?;
        let (table, role) = target.split_once('.').ok_or_else(usage)?;
        let table = match normalize(table).as_str() {
            "complaints" | "complaint" => Table::Complaints,
            "deliveries" | "delivery" | "orders" => Table::Deliveries,
            other => {
                return Err(format!("--col: unknown table {other:?}; use complaints or deliveries"));
            }
        };
        let role = Role::parse(role).ok_or_else(|| {
            format!(
                "--col: unknown role {role:?}; roles are time, customer, channel, order, category, id, count"
            )
        })?;
        if column.is_empty() {
            return Err(usage());
        }
        Ok(ColumnOverride { table, role, column: column.to_string() })
    }
}

/// The columns that play each role in one table, why, and the other
/// columns that could have.
#[derive(Clone, Debug, Default)]
pub struct Roles {
    pub columns: BTreeMap<Role, String>,
    pub why: BTreeMap<Role, Choice>,
    /// Other columns whose names fit the role, in the order tried.
    pub candidates: BTreeMap<Role, Vec<String>>,
    /// A time given as two columns (`Date+Time`, `Year+Month`).
    pub time_pair: Option<(String, String)>,
    /// Every column whose name fits the time role, best first, with why
    /// (the values decide among them: `input::plan`).
    pub time_candidates: Vec<(String, Choice)>,
}

impl Roles {
    /// Assign roles for `table` among `columns`: overrides first, then aliases.
    pub fn detect(table: Table, columns: &[String], overrides: &[ColumnOverride]) -> Result<Roles> {
        let mut roles = Roles::default();
        let mut taken: Vec<&str> = Vec::new();
        for o in overrides.iter().filter(|o| o.table == table) {
            if !table.roles().contains(&o.role) {
                let roles: Vec<String> = table.roles().iter().map(|r| r.to_string()).collect();
                bail!(
                    "--col {}.{}={}: the {} have no {} role; theirs are {}",
                    table.name(),
                    o.role,
                    o.column,
                    table.name(),
                    o.role,
                    roles.join(", ")
                );
            }
            // A date and a time of day in two columns: `Date+Time`.
            if o.role == Role::Time
                && find_column(columns, &o.column).is_none()
                && let Some((date, time)) = o.column.split_once('+')
                && let (Some(date), Some(time)) =
                    (find_column(columns, date.trim()), find_column(columns, time.trim()))
            {
                roles.columns.insert(o.role, format!("{date}+{time}"));
                roles.why.insert(o.role, Choice::Named);
                roles.time_pair = Some((date.clone(), time.clone()));
                taken.extend([date.as_str(), time.as_str()]);
                continue;
            }
            let Some(column) = find_column(columns, &o.column) else {
                bail!(
                    "--col {}.{}={}: the {} file has no column {:?}. Its columns are: {}.{}",
                    table.name(),
                    o.role,
                    o.column,
                    table.name(),
                    o.column,
                    columns.join(", "),
                    nearest_hint(columns, &o.column),
                );
            };
            roles.columns.insert(o.role, column.clone());
            roles.why.insert(o.role, Choice::Named);
            taken.push(column);
        }
        for &role in table.roles() {
            // Every column whose name fits, aliases first, in order.
            let mut fits: Vec<(&String, Choice)> = Vec::new();
            for alias in role.aliases(table) {
                let normalized = normalize(alias);
                for c in columns.iter().filter(|c| normalize(c) == normalized) {
                    fits.push((c, Choice::Alias(alias)));
                }
            }
            for &pattern in role.patterns(table) {
                for c in columns.iter().filter(|c| pattern.matches(&normalize(c))) {
                    fits.push((c, Choice::Pattern(pattern)));
                }
            }
            if role == Role::Time {
                for c in columns {
                    if let Some(word) = TIME_WORDS.iter().find(|w| normalize(c).contains(*w)) {
                        fits.push((c, Choice::Word(word)));
                    }
                }
            }
            let mut seen = Vec::new();
            fits.retain(|(c, _)| {
                !seen.contains(c) && {
                    seen.push(*c);
                    true
                }
            });
            if role == Role::Time {
                roles.time_candidates = fits.iter().map(|(c, why)| ((*c).clone(), why.clone())).collect();
            }
            if !roles.columns.contains_key(&role)
                && let Some(i) = fits.iter().position(|(c, _)| !taken.contains(&c.as_str()))
            {
                let (column, why) = fits.remove(i);
                roles.columns.insert(role, column.clone());
                roles.why.insert(role, why);
                taken.push(column);
            }
            let chosen = roles.columns.get(&role);
            let others: Vec<String> =
                fits.into_iter().map(|(c, _)| c.clone()).filter(|c| Some(c) != chosen).collect();
            if !others.is_empty() {
                roles.candidates.insert(role, others);
            }
        }
        Ok(roles)
    }

    /// The two columns of a `Date+Time` time role.
    pub fn time_parts(&self) -> Option<(&str, &str)> {
        self.time_pair.as_ref().map(|(d, t)| (d.as_str(), t.as_str()))
    }

    pub fn get(&self, role: Role) -> Option<&str> {
        self.columns.get(&role).map(String::as_str)
    }

    /// The column for a required role, or an error listing the table's columns
    /// and the closest candidates.
    /// `likely`: columns whose values fit the role (for the time, those
    /// that read as times), offered first.
    pub fn require(
        &self,
        table: Table,
        role: Role,
        columns: &[String],
        file: &str,
        likely: &[String],
    ) -> Result<&str> {
        if let Some(column) = self.get(role) {
            return Ok(column);
        }
        let aliases: Vec<&str> = role.aliases(table).iter().take(6).copied().collect();
        let hint = match likely {
            [] => nearest_hint(columns, role.aliases(table)[0]),
            [one] => format!(" Column {one:?} reads as {role}s: --col {}.{role}={one:?}.", table.name()),
            more => format!(
                " Columns whose values read as {role}s: {}; e.g. --col {}.{role}={:?}.",
                more.iter().map(|c| format!("{c:?}")).collect::<Vec<_>>().join(", "),
                table.name(),
                more[0]
            ),
        };
        bail!(
            "{file}: no {role} column found in the {} file. Its columns are: {}. \
             The {role} column is recognised by names such as {}; name yours with \
             --col {}.{role}=COLUMN.{hint}",
            table.name(),
            columns.join(", "),
            aliases.join(", "),
            table.name(),
        )
    }
}

/// Find a column by name, exact first, then normalized.
pub fn find_column<'a>(columns: &'a [String], name: &str) -> Option<&'a String> {
    columns
        .iter()
        .find(|c| c.as_str() == name)
        .or_else(|| columns.iter().find(|c| normalize(c) == normalize(name)))
}

/// " Did you mean X?" for the column closest to `wanted`, or nothing.
pub fn nearest_hint(columns: &[String], wanted: &str) -> String {
    let wanted = normalize(wanted);
    columns
        .iter()
        .map(|c| (edit_distance(&normalize(c), &wanted), c))
        // Close: a few letters apart (a typo), or one name inside the other.
        .filter(|(d, c)| {
            let name = normalize(c);
            *d <= (wanted.len().max(name.len()) / 3).max(1)
                || (name.len() >= 3
                    && wanted.len() >= 3
                    && (name.contains(&wanted) || wanted.contains(&name)))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| format!(" Closest match: {c:?}."))
        .unwrap_or_default()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn cfpb_headers_map_without_flags() {
        let columns = cols(&[
            "Date received",
            "Product",
            "Sub-product",
            "Issue",
            "Sub-issue",
            "Company",
            "State",
            "Submitted via",
            "Complaint ID",
        ]);
        let r = Roles::detect(Table::Complaints, &columns, &[]).unwrap();
        assert_eq!(r.get(Role::Time), Some("Date received"));
        assert_eq!(r.get(Role::Category), Some("Issue"));
        assert_eq!(r.get(Role::Channel), Some("Submitted via"));
        assert_eq!(r.get(Role::Id), Some("Complaint ID"));
        assert_eq!(r.get(Role::Customer), None);
    }

    #[test]
    fn zendesk_and_salesforce_headers() {
        let z =
            Roles::detect(Table::Complaints, &cols(&["Ticket ID", "Requester", "Created at", "Via"]), &[])
                .unwrap();
        assert_eq!(
            (z.get(Role::Id), z.get(Role::Customer), z.get(Role::Time), z.get(Role::Channel)),
            (Some("Ticket ID"), Some("Requester"), Some("Created at"), Some("Via"))
        );
        let s = Roles::detect(
            Table::Complaints,
            &cols(&["Case Number", "Account Name", "Date/Time Opened", "Case Origin"]),
            &[],
        )
        .unwrap();
        assert_eq!(
            (s.get(Role::Id), s.get(Role::Customer), s.get(Role::Time), s.get(Role::Channel)),
            (Some("Case Number"), Some("Account Name"), Some("Date/Time Opened"), Some("Case Origin"))
        );
    }

    #[test]
    fn freshdesk_headers() {
        let f = Roles::detect(
            Table::Complaints,
            &cols(&["Ticket ID", "Subject", "Status", "Source", "Type", "Created time", "Contact ID"]),
            &[],
        )
        .unwrap();
        assert_eq!(
            (
                f.get(Role::Id),
                f.get(Role::Time),
                f.get(Role::Customer),
                f.get(Role::Channel),
                f.get(Role::Category)
            ),
            (Some("Ticket ID"), Some("Created time"), Some("Contact ID"), Some("Source"), Some("Type"))
        );
    }

    #[test]
    fn overrides_win_and_a_column_takes_one_role() {
        let columns = cols(&["date", "customer", "when"]);
        let o: ColumnOverride = "complaints.time=when".parse().unwrap();
        let r = Roles::detect(Table::Complaints, &columns, &[o]).unwrap();
        assert_eq!(r.get(Role::Time), Some("when"));
        let o: ColumnOverride = "complaints.customer=date".parse().unwrap();
        let r = Roles::detect(Table::Complaints, &columns, &[o]).unwrap();
        assert_eq!(r.get(Role::Customer), Some("date"));
        assert_eq!(r.get(Role::Time), None);
    }

    #[test]
    fn missing_role_names_columns_and_nearest() {
        let columns = cols(&["creatd_at", "customer"]);
        let r = Roles::detect(Table::Complaints, &columns, &[]).unwrap();
        let err = r.require(Table::Complaints, Role::Time, &columns, "c.csv", &[]).unwrap_err().to_string();
        assert!(err.contains("creatd_at, customer"), "{err}");
        assert!(err.contains("Closest match: \"creatd_at\""), "{err}");
        assert!(err.contains("--col complaints.time=COLUMN"), "{err}");
    }

    #[test]
    fn names_by_meaning() {
        let reviews = Roles::detect(
            Table::Complaints,
            &cols(&[
                "review_id",
                "order_id",
                "review_score",
                "review_creation_date",
                "review_answer_timestamp",
            ]),
            &[],
        )
        .unwrap();
        assert_eq!(reviews.get(Role::Time), Some("review_creation_date"));
        assert_eq!(reviews.why[&Role::Time], Choice::Pattern(Pattern::EndsWith("creationdate")));
        let orders = Roles::detect(
            Table::Deliveries,
            &cols(&[
                "order_id",
                "customer_id",
                "order_status",
                "order_purchase_timestamp",
                "order_delivered_customer_date",
            ]),
            &[],
        )
        .unwrap();
        assert_eq!(orders.get(Role::Time), Some("order_delivered_customer_date"));
        assert_eq!(orders.candidates[&Role::Time], ["order_purchase_timestamp"]);
        let helpdesk = Roles::detect(
            Table::Complaints,
            &cols(&["Ticket ID", "Customer Email", "Date of Purchase", "Ticket Channel", "Ticket Type"]),
            &[],
        )
        .unwrap();
        assert_eq!(
            (helpdesk.get(Role::Customer), helpdesk.get(Role::Channel), helpdesk.get(Role::Time)),
            (Some("Customer Email"), Some("Ticket Channel"), Some("Date of Purchase"))
        );
        let weekly =
            Roles::detect(Table::Deliveries, &cols(&["week_start", "depot", "volume"]), &[]).unwrap();
        assert_eq!((weekly.get(Role::Time), weekly.get(Role::Count)), (Some("week_start"), Some("volume")));
        let incidents = Roles::detect(
            Table::Complaints,
            &cols(&["number", "opened_at", "caller_id", "contact_type"]),
            &[],
        )
        .unwrap();
        assert_eq!(
            (
                incidents.get(Role::Id),
                incidents.get(Role::Time),
                incidents.get(Role::Customer),
                incidents.get(Role::Channel)
            ),
            (Some("number"), Some("opened_at"), Some("caller_id"), Some("contact_type"))
        );
    }

    #[test]
    fn a_date_and_a_time_column_make_one_time() {
        let o: ColumnOverride = "complaints.time=Date+Time".parse().unwrap();
        let r = Roles::detect(Table::Complaints, &cols(&["Date", "Time", "State"]), &[o]).unwrap();
        assert_eq!(r.time_parts(), Some(("Date", "Time")));
    }

    #[test]
    fn bad_overrides_are_explained() {
        assert!("complaints.time".parse::<ColumnOverride>().is_err());
        assert!("tickets.time=x".parse::<ColumnOverride>().unwrap_err().contains("unknown table"));
        assert!("complaints.when=x".parse::<ColumnOverride>().unwrap_err().contains("unknown role"));
    }
}
