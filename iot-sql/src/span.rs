//! Byte spans into the SQL text, with line and column computed on demand.

/// A byte range `start..end` of the statement text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    #[must_use]
    pub const fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    /// 1-based line and column (in characters) of `start` within `source`.
    #[must_use]
    pub fn line_column(&self, source: &str) -> (usize, usize) {
        line_column(source, self.start)
    }
}

/// 1-based line and column (in characters) of byte `offset` in `source`.
#[must_use]
pub(crate) fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let mut line = 1;
    let mut col = 1;
    for (i, c) in source.char_indices() {
        if i >= offset {
            break;
        }
        if c == '\n' {
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
    }
    (line, col)
}

#[cfg(test)]
mod tests {
    #[test]
    fn lines_and_columns_are_one_based() {
        let src = "SELECT a\nFROM 'x'";
        assert_eq!(super::line_column(src, 0), (1, 1));
        assert_eq!(super::line_column(src, 9), (2, 1));
        assert_eq!(super::line_column(src, 14), (2, 6));
    }
}
