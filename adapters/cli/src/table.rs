//! A plain-text table with aligned columns: text to the left, numbers to the right.

/// How a column's cells are aligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// Text.
    Left,
    /// Numbers.
    Right,
}

/// Rows of cells under a header, rendered with each column as wide as its widest cell.
pub struct Table {
    columns: Vec<(&'static str, Align)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table with these column titles and alignments.
    pub fn new(columns: &[(&'static str, Align)]) -> Self {
        Self {
            columns: columns.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells are left blank, extra cells dropped.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as lines: header, a rule, then the rows. Columns are separated by two
    /// spaces; no line has trailing spaces.
    pub fn render(&self) -> Vec<String> {
        let width = |i: usize| {
            self.rows
                .iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .chain([self.columns[i].0.chars().count()])
                .max()
                .unwrap_or(0)
        };
        let widths: Vec<usize> = (0..self.columns.len()).map(width).collect();
        let line = |cells: &[String]| {
            let mut text = String::new();
            for (i, ((_, align), w)) in self.columns.iter().zip(&widths).enumerate() {
                let cell = cells.get(i).map(String::as_str).unwrap_or("");
                if i > 0 {
                    text.push_str("  ");
                }
                match align {
                    Align::Left => text.push_str(&format!("{cell:<w$}")),
                    Align::Right => text.push_str(&format!("{cell:>w$}")),
                }
            }
            text.trim_end().to_owned()
        };
        let header: Vec<String> = self.columns.iter().map(|(t, _)| (*t).to_owned()).collect();
        let rule_len = widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
        let mut lines = vec![line(&header), "-".repeat(rule_len)];
        lines.extend(self.rows.iter().map(|r| line(r)));
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align() {
        let mut t = Table::new(&[("name", Align::Left), ("n", Align::Right)]);
        t.row(vec!["a".into(), "100".into()]);
        t.row(vec!["long_name".into(), "2".into()]);
        assert_eq!(
            t.render(),
            [
                "name         n",
                "--------------",
                "a          100",
                "long_name    2"
            ]
        );
    }
}
