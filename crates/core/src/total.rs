//! Row counts as the list reports them: exact up to 10,000, then a lower bound (contract v1.1
//! "Totals") — and how the tabs and the pager say them: "10,000+", "1–50 of 10,000+",
//! "Page 3 of 200+", with Next still possible past the bound.

use crate::api::ActionPage;

/// A list's total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Total {
    /// Rows counted.
    pub count: u64,
    /// More rows than `count` match (the server stopped counting).
    pub lower_bound: bool,
}

/// `1234567` → `"1,234,567"`.
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl Total {
    /// An exact count.
    pub fn exact(count: u64) -> Self {
        Total {
            count,
            lower_bound: false,
        }
    }

    /// The total of a page of the list.
    pub fn of(page: &ActionPage) -> Self {
        Total {
            count: page.total,
            lower_bound: page.total_is_lower_bound,
        }
    }

    /// `"1,234"`, or `"10,000+"` for a lower bound.
    pub fn label(&self) -> String {
        let n = group_thousands(self.count);
        if self.lower_bound {
            format!("{n}+")
        } else {
            n
        }
    }

    /// Pages the count fills (at least 1).
    pub fn pages(&self, page_size: u32) -> u64 {
        self.count.div_ceil(u64::from(page_size.max(1))).max(1)
    }

    /// `"Page 3 of 20"`, or `"Page 3 of 200+"`; past a lower bound, the page itself is the
    /// most that is known.
    pub fn page_label(&self, page: u32, page_size: u32) -> String {
        let pages = self.pages(page_size);
        if self.lower_bound {
            let known = pages.max(u64::from(page));
            format!("Page {page} of {}+", group_thousands(known))
        } else {
            format!("Page {page} of {}", group_thousands(pages))
        }
    }

    /// The rows shown, `"51–100 of 10,000+"`, or `"No rows"`. `rows` is how many the page has
    /// (past a lower bound, the last page may be short).
    pub fn range_label(&self, page: u32, page_size: u32, rows: usize) -> String {
        let size = u64::from(page_size.max(1));
        let first = (u64::from(page.max(1)) - 1) * size + 1;
        if self.lower_bound {
            if rows == 0 {
                return format!("No rows on this page of {}", self.label());
            }
            let last = first + rows as u64 - 1;
            return format!(
                "{}–{} of {}",
                group_thousands(first),
                group_thousands(last),
                self.label()
            );
        }
        if self.count == 0 {
            return "No rows".to_owned();
        }
        let last = (first + size - 1).min(self.count);
        format!(
            "{}–{} of {}",
            group_thousands(first),
            group_thousands(last),
            self.label()
        )
    }

    /// Whether there is a next page: within an exact count, until the last page; past a lower
    /// bound, while pages come back full.
    pub fn has_next(&self, page: u32, page_size: u32, rows: usize) -> bool {
        if self.lower_bound {
            rows >= page_size as usize
        } else {
            u64::from(page) < self.pages(page_size)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1_000), "1,000");
        assert_eq!(group_thousands(907_149), "907,149");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn a_lower_bound_reads_ten_thousand_plus() {
        let t = Total {
            count: 10_000,
            lower_bound: true,
        };
        assert_eq!(t.label(), "10,000+");
        assert_eq!(t.range_label(1, 50, 50), "1–50 of 10,000+");
        assert_eq!(t.range_label(201, 50, 50), "10,001–10,050 of 10,000+");
        assert_eq!(t.range_label(300, 50, 7), "14,951–14,957 of 10,000+");
        assert_eq!(t.page_label(3, 50), "Page 3 of 200+");
        assert_eq!(t.page_label(250, 50), "Page 250 of 250+");
        assert!(t.has_next(200, 50, 50), "paging past the bound works");
        assert!(!t.has_next(300, 50, 7), "a short page is the last");
    }

    #[test]
    fn exact_totals_page_as_before() {
        let t = Total::exact(120);
        assert_eq!(t.label(), "120");
        assert_eq!(t.range_label(3, 50, 20), "101–120 of 120");
        assert_eq!(t.page_label(3, 50), "Page 3 of 3");
        assert!(t.has_next(2, 50, 50));
        assert!(!t.has_next(3, 50, 20));
        assert_eq!(Total::exact(0).range_label(1, 50, 0), "No rows");
        assert_eq!(Total::exact(0).page_label(1, 50), "Page 1 of 1");
    }

    #[test]
    fn the_wire_flag_is_read_and_omitted_when_false() {
        let page: ActionPage = serde_json::from_str(
            r#"{"items":[],"page":1,"pageSize":50,"total":10000,"totalIsLowerBound":true}"#,
        )
        .unwrap();
        assert_eq!(Total::of(&page).label(), "10,000+");
        let old: ActionPage =
            serde_json::from_str(r#"{"items":[],"page":1,"pageSize":50,"total":12}"#).unwrap();
        assert_eq!(Total::of(&old), Total::exact(12));
        let json = serde_json::to_string(&old).unwrap();
        assert!(!json.contains("totalIsLowerBound"), "{json}");
    }
}
