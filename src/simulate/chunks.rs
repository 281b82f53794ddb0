//! Cutting a population file into chunks of whole subjects, so workers can read them in parallel.
//!
//! Input: a byte stream of records (CSV rows, whose quoted cells may hold line breaks, or JSON
//! Lines) and a function giving a record's subject id. Output: [`Chunk`]s of about a target size,
//! each starting on a record boundary with the line number of its first byte. Guarantee: the
//! rows of one subject that are next to each other are never cut apart (a chunk ends before the
//! run of rows of its last subject, which starts the next chunk); nothing is parsed here beyond
//! the few records at each cut, so one thread can feed several.
//!
//! Line endings: a carriage return that is not followed by a line feed (old Mac exports end
//! every line so) is turned into a line feed as the bytes come in, so CR, LF and CRLF files are
//! read alike by everything downstream, and line numbers count those lines. Inside a quoted CSV
//! cell it is kept as it is (a cell's text is what the file holds) and still counts as a line. Blank records (a CSV
//! line of nothing but line-break bytes, a JSON Lines line of white space) belong to no subject:
//! the readers skip them, so a cut never treats one as the end of a subject's rows.

use std::io::{self, Read};

/// The longest header line read: far more than the names of every input of every policy.
pub const MAX_HEADER_BYTES: usize = 1 << 20;

/// The most bytes the rows of one subject (with the blank lines before them) may take: a
/// subject is cut whole into one chunk, so its rows are all in memory at once. Beyond it the
/// chunker stops with [`SubjectTooLarge`] (F0202) rather than read on without end.
pub const MAX_SUBJECT_BYTES: usize = 64 << 20;

/// The largest chunk size: a quarter of [`MAX_SUBJECT_BYTES`], so the chunk size never decides
/// whether a subject fits (a subject is only ever grown into a buffer of its own).
pub const MAX_CHUNK: usize = MAX_SUBJECT_BYTES / 4;

/// One subject's rows take more than the chunker's limit (by default [`MAX_SUBJECT_BYTES`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubjectTooLarge {
    /// The line the subject's rows start on.
    pub line: u64,
    /// The limit, in bytes.
    pub limit: usize,
}

impl std::fmt::Display for SubjectTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let problem = super::RowProblem::TooManyBytes { limit: self.limit };
        f.write_str(&problem.text(self.line))
    }
}

impl std::error::Error for SubjectTooLarge {}

/// A run of whole records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    /// Its place in the file: 0, 1, 2, ...
    pub seq: u64,
    /// The line its first byte is on (1 is the file's first line).
    pub line: u64,
    /// The records' bytes.
    pub bytes: Vec<u8>,
}

/// Cuts a stream into [`Chunk`]s.
pub struct Chunker<R, F> {
    input: R,
    buf: Vec<u8>,
    /// The line of `buf`'s first byte.
    line: u64,
    seq: u64,
    eof: bool,
    /// Whether a quoted cell may hold a line break (CSV).
    quoted: bool,
    target: usize,
    /// Bytes handed out so far.
    consumed: u64,
    /// `buf[..clean]` has had its lone carriage returns turned into line feeds.
    clean: usize,
    /// Where quoted cells are, read up to the last carriage return met (CSV).
    quotes: Quotes,
    /// The most bytes one subject's rows may take.
    max_subject: usize,
    id_of: F,
}

/// The number of line breaks in `bytes` (what line numbers count): line feeds, and the lone
/// carriage returns kept inside quoted cells.
pub fn newlines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64 + lone_crs(bytes)
}

/// The carriage returns in `bytes` not followed by a line feed.
fn lone_crs(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\r', bytes)
        .filter(|&k| bytes.get(k + 1) != Some(&b'\n'))
        .count() as u64
}

/// Whether a CSV buffer is inside a quoted cell, read as far as `at`, by the CSV reader's own
/// rule (as [`Ends::of`] reads it: a quote opens a quoted cell only as the first byte of a
/// cell, a doubled quote inside one is a quote).
#[derive(Clone, Copy, Debug, Default)]
struct Quotes {
    at: usize,
    inside: bool,
    cell_start: usize,
    escaped: Option<usize>,
}

impl Quotes {
    /// Reads `buf` on to `to`.
    fn advance(&mut self, buf: &[u8], to: usize) {
        if to <= self.at {
            return;
        }
        for i in memchr::memchr3_iter(b'"', b',', b'\n', &buf[self.at..to]) {
            let i = self.at + i;
            if self.escaped == Some(i) {
                continue;
            }
            match buf[i] {
                b'"' if self.inside => {
                    if buf.get(i + 1) == Some(&b'"') {
                        self.escaped = Some(i + 1);
                    } else {
                        self.inside = false;
                    }
                }
                b'"' => self.inside = i == self.cell_start,
                _ if self.inside => {}
                _ => self.cell_start = i + 1,
            }
        }
        self.at = to;
    }

    /// The same place once the buffer's first `n` bytes (whole records) are taken.
    fn taken(&mut self, n: usize) {
        if n >= self.at {
            *self = Quotes::default();
        } else {
            self.at -= n;
            self.cell_start = self.cell_start.saturating_sub(n);
            self.escaped = self.escaped.map(|e| e.saturating_sub(n));
        }
    }
}

/// Where the complete records of a buffer end.
enum Ends {
    /// No quotes: every line break ends a record.
    Plain,
    /// Quotes: the positions just past each line break outside quotes, ascending.
    Scanned(Vec<usize>),
}

impl Ends {
    fn of(buf: &[u8], quoted: bool) -> Ends {
        if !quoted || memchr::memchr(b'"', buf).is_none() {
            return Ends::Plain;
        }
        // The CSV reader's own rule, so that a record ends here exactly where the reader ends
        // it: a quote opens a quoted cell only as the first byte of a cell (elsewhere it is a
        // plain byte, `100万元"`), a doubled quote inside one is a quote, and a single one closes
        // it. Counting every quote instead would cut `a"b,"c` differently from the reader, and
        // the rows it swallowed would depend on the chunk size.
        let mut inside = false;
        let mut cell_start = 0;
        let mut escaped = None;
        let mut ends = Vec::new();
        for i in memchr::memchr3_iter(b'"', b',', b'\n', buf) {
            if escaped == Some(i) {
                continue;
            }
            match buf[i] {
                b'"' if inside => {
                    if buf.get(i + 1) == Some(&b'"') {
                        escaped = Some(i + 1);
                    } else {
                        inside = false;
                    }
                }
                b'"' => inside = i == cell_start,
                _ if inside => {}
                b',' => cell_start = i + 1,
                _ => {
                    ends.push(i + 1);
                    cell_start = i + 1;
                }
            }
        }
        Ends::Scanned(ends)
    }

    /// The end of the last complete record.
    fn last(&self, buf: &[u8]) -> Option<usize> {
        match self {
            Ends::Plain => memchr::memrchr(b'\n', buf).map(|i| i + 1),
            Ends::Scanned(v) => v.last().copied(),
        }
    }

    /// The start of the record that ends at `end`.
    fn start_of(&self, buf: &[u8], end: usize) -> usize {
        match self {
            Ends::Plain => {
                memchr::memrchr(b'\n', &buf[..end.saturating_sub(1)]).map_or(0, |i| i + 1)
            }
            Ends::Scanned(v) => {
                let k = v.partition_point(|&e| e < end);
                if k == 0 {
                    0
                } else {
                    v[k - 1]
                }
            }
        }
    }
}

impl<R: Read, F: Fn(&[u8]) -> Option<String>> Chunker<R, F> {
    /// A chunker of `input` aiming at chunks of `target` bytes; `quoted` for CSV; `id_of` reads
    /// the subject id of one record (`None` when it has none).
    pub fn new(input: R, quoted: bool, target: usize, id_of: F) -> Self {
        Chunker {
            input,
            buf: Vec::with_capacity(target * 2),
            line: 1,
            seq: 0,
            eof: false,
            quoted,
            target: target.max(1),
            consumed: 0,
            clean: 0,
            quotes: Quotes::default(),
            max_subject: MAX_SUBJECT_BYTES,
            id_of,
        }
    }

    /// Sets the most bytes one subject's rows may take (tests and fuzzing use small limits).
    #[cfg(test)]
    pub fn max_subject_bytes(mut self, bytes: usize) -> Self {
        self.max_subject = bytes.max(1);
        self
    }

    /// Bytes handed out so far (for progress).
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    /// Reads until the buffer holds `want` bytes or the input ends.
    fn fill(&mut self, want: usize) -> io::Result<()> {
        if self.buf.len() < want && !self.eof {
            // Read straight into the buffer's spare room (nothing is zeroed first), at least
            // 64 KiB at a time, or the chunk size if smaller: a small chunk size must cut a
            // small file into small chunks (tests and fuzzing check that results do not depend
            // on where the cuts fall), not read it whole at the first read.
            let asked = (want - self.buf.len()).max(self.target.min(64 * 1024));
            let got = (&mut self.input)
                .take(asked as u64)
                .read_to_end(&mut self.buf)?;
            if got == 0 {
                self.eof = true;
            }
        }
        self.normalize();
        Ok(())
    }

    /// Turns each carriage return not followed by a line feed, outside a quoted CSV cell, into
    /// a line feed. A carriage return that ends the buffer waits for the next read (or the end
    /// of the input) to tell.
    fn normalize(&mut self) {
        let mut i = self.clean;
        while let Some(k) = memchr::memchr(b'\r', &self.buf[i..]) {
            let k = i + k;
            let lone = match self.buf.get(k + 1) {
                Some(b'\n') => false,
                Some(_) => true,
                None if self.eof => true,
                None => {
                    self.clean = k;
                    return;
                }
            };
            if lone {
                let quoted = self.quoted && {
                    self.quotes.advance(&self.buf, k);
                    self.quotes.inside
                };
                if !quoted {
                    self.buf[k] = b'\n';
                }
            }
            i = k + 1;
        }
        self.clean = self.buf.len();
    }

    /// Whether a record is blank: it belongs to no subject and the readers skip it.
    fn blank(&self, record: &[u8]) -> bool {
        if self.quoted {
            record.iter().all(|b| matches!(b, b'\n' | b'\r'))
        } else {
            std::str::from_utf8(record).is_ok_and(super::input::jsonl_blank)
        }
    }

    /// Takes the first `n` bytes of the buffer.
    fn take(&mut self, n: usize) -> Vec<u8> {
        let rest = self.buf.split_off(n);
        let bytes = std::mem::replace(&mut self.buf, rest);
        self.buf.reserve(self.target * 2);
        self.consumed += n as u64;
        self.clean = self.clean.saturating_sub(n);
        self.quotes.taken(n);
        self.line += newlines(&bytes);
        bytes
    }

    /// The first record (a CSV header), or `None` for an empty input.
    pub fn first_record(&mut self) -> io::Result<Option<Vec<u8>>> {
        let mut want = self.target;
        loop {
            self.fill(want)?;
            let ends = Ends::of(&self.buf, self.quoted);
            let first = match &ends {
                Ends::Plain => memchr::memchr(b'\n', &self.buf).map(|i| i + 1),
                Ends::Scanned(v) => v.first().copied(),
            };
            match first {
                Some(end) => return Ok(Some(self.take(end))),
                None if self.eof && self.buf.is_empty() => return Ok(None),
                None if self.eof => {
                    let n = self.buf.len();
                    return Ok(Some(self.take(n)));
                }
                // A header is a line of column names: one that has not ended within the limit
                // is no header (`/dev/zero`, a binary file), and reading on would never end.
                None if self.buf.len() > MAX_HEADER_BYTES => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "its first line is longer than {} KiB without ending, so it is not a header of column names (F0203)",
                            MAX_HEADER_BYTES >> 10
                        ),
                    ))
                }
                None => want = self.buf.len() * 2,
            }
        }
    }

    /// The next chunk, or `None` at the end of the input.
    pub fn next_chunk(&mut self) -> io::Result<Option<Chunk>> {
        let mut want = self.target;
        loop {
            self.fill(want)?;
            if self.buf.is_empty() {
                return Ok(None);
            }
            let n = if self.eof {
                Some(self.buf.len())
            } else {
                self.cut()
            };
            match n {
                Some(n) => {
                    let line = self.line;
                    let bytes = self.take(n);
                    let seq = self.seq;
                    self.seq += 1;
                    return Ok(Some(Chunk { seq, line, bytes }));
                }
                // One subject fills the buffer: read on until its rows end, up to the limit.
                None if self.buf.len() >= self.max_subject => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        SubjectTooLarge {
                            line: self.line,
                            limit: self.max_subject,
                        },
                    ))
                }
                None => want = (self.buf.len() * 2).min(self.max_subject),
            }
        }
    }

    /// Where to cut the buffer: before the run of rows of the last complete record's subject,
    /// whose rows may go on past the buffer. Blank records are passed over on the way back, as
    /// the readers pass over them: a blank line between two rows of one subject does not end
    /// its rows. `None` when there is no such place.
    fn cut(&self) -> Option<usize> {
        let buf = &self.buf;
        let ends = Ends::of(buf, self.quoted);
        let mut end = ends.last(buf)?;
        let mut start = ends.start_of(buf, end);
        while self.blank(&buf[start..end]) {
            if start == 0 {
                return None;
            }
            end = start;
            start = ends.start_of(buf, end);
        }
        let Some(id) = (self.id_of)(&buf[start..end]) else {
            return (start > 0).then_some(start);
        };
        while start > 0 {
            let before = ends.start_of(buf, start);
            let record = &buf[before..start];
            if !self.blank(record) && (self.id_of)(record).as_deref() != Some(id.as_str()) {
                return Some(start);
            }
            start = before;
        }
        None
    }
}

/// `input` with its line endings read as the chunker reads them (a lone carriage return
/// outside a quoted CSV cell is a line feed), for a reader that goes line by line: the history
/// file is read so, and so CR, LF and CRLF histories read alike, as populations do.
pub struct LineBreaks<R> {
    chunker: Chunker<R, IdOf>,
    chunk: Vec<u8>,
    at: usize,
}

/// How a [`LineBreaks`] chunker reads a record's subject id.
type IdOf = fn(&[u8]) -> Option<String>;

/// No record has a subject id: a [`LineBreaks`] chunker may cut after any record.
fn no_id(_: &[u8]) -> Option<String> {
    None
}

impl<R: Read> LineBreaks<R> {
    /// Reads `input`; `quoted` for CSV (a quoted cell keeps its carriage returns).
    pub fn new(input: R, quoted: bool) -> Self {
        LineBreaks {
            chunker: Chunker::new(input, quoted, 64 * 1024, no_id as IdOf),
            chunk: Vec::new(),
            at: 0,
        }
    }
}

impl<R: Read> Read for LineBreaks<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.at == self.chunk.len() {
            match self.chunker.next_chunk()? {
                Some(c) => (self.chunk, self.at) = (c.bytes, 0),
                None => return Ok(0),
            }
        }
        let n = out.len().min(self.chunk.len() - self.at);
        out[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_read_cr_lf_and_crlf_alike_and_keep_quoted_crs() {
        let mut out = String::new();
        let text = "a\rb\r\nc\n\"d\re\"\rf\r";
        LineBreaks::new(text.as_bytes(), true)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "a\nb\r\nc\n\"d\re\"\nf\n");
        let mut out = String::new();
        LineBreaks::new(text.as_bytes(), false)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "a\nb\r\nc\n\"d\ne\"\nf\n");
    }

    /// The id of a record: its first comma-separated field.
    fn first_field(rec: &[u8]) -> Option<String> {
        let text = std::str::from_utf8(rec).ok()?;
        let id = text.split(',').next()?.trim();
        (!id.is_empty()).then(|| id.to_string())
    }

    fn chunks(text: &str, target: usize, quoted: bool) -> Vec<Chunk> {
        let mut c = Chunker::new(text.as_bytes(), quoted, target, first_field);
        let mut out = Vec::new();
        while let Some(chunk) = c.next_chunk().unwrap() {
            out.push(chunk);
        }
        out
    }

    #[test]
    fn a_small_chunk_size_cuts_a_small_file_into_small_chunks() {
        // 200 rows of 67 subjects, about 1.3 KB: read at least 64 KiB at a time, it was one
        // chunk at every chunk size, so tests of small chunk sizes on small files cut nothing.
        let text: String = (1..=200).map(|i| format!("{},{}\n", i / 3, i)).collect();
        // Read whole, the file is cut once, before its last subject (the end is not known yet).
        assert_eq!(chunks(&text, 1 << 20, true).len(), 2);
        let got = chunks(&text, 1, true);
        assert!(got.len() >= 50, "{} chunks", got.len());
        let got = chunks(&text, 100, false);
        assert!((10..=30).contains(&got.len()), "{} chunks", got.len());
    }

    #[test]
    fn chunks_put_back_together_give_the_input_with_the_right_lines() {
        let text: String = (1..=200).map(|i| format!("{},{}\n", i / 3, i)).collect();
        for target in [1, 7, 30, 100, 10_000] {
            let got = chunks(&text, target, true);
            let joined: Vec<u8> = got.iter().flat_map(|c| c.bytes.clone()).collect();
            assert_eq!(joined, text.as_bytes(), "target {target}");
            let mut line = 1;
            for (k, c) in got.iter().enumerate() {
                assert_eq!((c.seq, c.line), (k as u64, line));
                line += newlines(&c.bytes);
            }
        }
    }

    #[test]
    fn a_subject_is_never_cut_apart() {
        let text: String = (0..500).map(|i| format!("{},{}\n", i / 7, i)).collect();
        for target in [1, 13, 64, 256] {
            let got = chunks(&text, target, false);
            for pair in got.windows(2) {
                let last = String::from_utf8(pair[0].bytes.clone()).unwrap();
                let last = first_field(last.lines().last().unwrap().as_bytes());
                let first = String::from_utf8(pair[1].bytes.clone()).unwrap();
                let first = first_field(first.lines().next().unwrap().as_bytes());
                assert_ne!(last, first, "target {target}");
            }
        }
    }

    #[test]
    fn line_breaks_inside_quotes_do_not_end_a_record() {
        let text = "1,\"a\nb\"\n2,\"c\"\"\n\"\n3,x\n";
        for target in 1..text.len() + 2 {
            for c in chunks(text, target, true) {
                let t = String::from_utf8(c.bytes).unwrap();
                assert!(
                    t.starts_with(['1', '2', '3']),
                    "target {target}: chunk starts inside a record: {t:?}"
                );
            }
        }
        // JSON Lines have no line breaks inside records: every one ends a record.
        let got = chunks("1,\"\n2,x\n", 1, false);
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn the_first_record_is_the_header_and_lines_go_on_from_it() {
        let text = "id,\"two\nlines\"\n1,a\n2,b";
        let mut c = Chunker::new(text.as_bytes(), true, 4, first_field);
        assert_eq!(
            c.first_record().unwrap().unwrap(),
            b"id,\"two\nlines\"\n".to_vec()
        );
        // `2,b` is not known to be complete until the input ends, so subject 1 (whose rows
        // could go on) stays with it.
        let rest = c.next_chunk().unwrap().unwrap();
        assert_eq!(
            (rest.line, rest.bytes.as_slice()),
            (3, b"1,a\n2,b".as_slice())
        );
        assert_eq!(c.next_chunk().unwrap(), None);
        let mut c = Chunker::new(&b"id\n1,a\n2,b\n3,c\n"[..], true, 4, first_field);
        c.first_record().unwrap();
        let lines: Vec<u64> = std::iter::from_fn(|| c.next_chunk().unwrap())
            .map(|c| c.line)
            .collect();
        assert_eq!(lines[0], 2);
        assert!(lines.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(
            Chunker::new(&b""[..], true, 4, first_field)
                .first_record()
                .unwrap(),
            None
        );
    }

    #[test]
    fn a_blank_line_between_rows_of_one_subject_never_ends_its_rows() {
        for end in ["\n", "\r\n", "\r"] {
            let text = ["1,a", "", "1,b", "", "", "2,c", "", "2,d", "3,e", ""].join(end);
            for target in 1..text.len() + 2 {
                for quoted in [true, false] {
                    let got = chunks(&text, target, quoted);
                    for c in &got {
                        let t = String::from_utf8(c.bytes.clone()).unwrap();
                        let ids: Vec<&str> = t
                            .lines()
                            .filter_map(|l| l.split(',').next().filter(|i| !i.is_empty()))
                            .collect();
                        for other in &got {
                            if other.seq == c.seq {
                                continue;
                            }
                            let o = String::from_utf8(other.bytes.clone()).unwrap();
                            for id in &ids {
                                assert!(
                                    !o.lines().any(|l| l.split(',').next() == Some(id)),
                                    "{end:?}, target {target}: subject {id} is in two chunks: {got:?}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn lone_carriage_returns_are_line_breaks_wherever_the_reads_end() {
        // A carriage return right at the end of the first read (64 KiB) must wait for the next
        // byte: followed by a line feed it stays, alone it becomes one.
        for tail in ["\r\n", "\r", "\rx\r"] {
            let mut text = "a".repeat(64 * 1024 - 1);
            text.push_str(tail);
            text.push_str(&"1,b\r".repeat(100));
            let got = chunks(&text, 64 * 1024, true);
            let joined: Vec<u8> = got.iter().flat_map(|c| c.bytes.clone()).collect();
            let expected = text
                .replace("\r\n", "\u{0}")
                .replace('\r', "\n")
                .replace('\u{0}', "\r\n");
            assert_eq!(String::from_utf8(joined).unwrap(), expected, "{tail:?}");
        }
        // A file of CR-only lines has as many lines as it has rows.
        let text = "1,a\r2,b\r3,c\r";
        let got = chunks(text, 1, true);
        let joined: Vec<u8> = got.iter().flat_map(|c| c.bytes.clone()).collect();
        assert_eq!(newlines(&joined), 3);
        assert!(
            got.len() > 1,
            "the rows are cut apart like LF rows: {got:?}"
        );
    }

    #[test]
    fn a_lone_carriage_return_inside_a_quoted_cell_is_kept_and_counts_as_a_line() {
        // CR-only and mixed (CR, LF, CRLF) files; the quoted cells hold a lone CR, a CRLF, a
        // doubled quote before a CR, and a quote that opens no cell (`b"`).
        let cr_only = "1,\"a\rb\"\r2,\"c\"\"\rd\"\r3,b\"\r4,x\r";
        let mixed = "1,\"a\rb\"\n2,\"c\r\nd\"\r\n3,\"e\rf\rg\"\r4,x\n";
        let expect_cr = "1,\"a\rb\"\n2,\"c\"\"\rd\"\n3,b\"\n4,x\n";
        let expect_mixed = "1,\"a\rb\"\n2,\"c\r\nd\"\r\n3,\"e\rf\rg\"\n4,x\n";
        for (text, expected, lines) in [(cr_only, expect_cr, 6), (mixed, expect_mixed, 8)] {
            for target in 1..text.len() + 2 {
                let got = chunks(text, target, true);
                let joined: Vec<u8> = got.iter().flat_map(|c| c.bytes.clone()).collect();
                assert_eq!(
                    String::from_utf8(joined.clone()).unwrap(),
                    expected,
                    "target {target}"
                );
                assert_eq!(newlines(&joined), lines, "target {target}");
                let mut line = 1;
                for c in &got {
                    assert_eq!(c.line, line, "target {target}: {got:?}");
                    line += newlines(&c.bytes);
                    let t = String::from_utf8(c.bytes.clone()).unwrap();
                    assert!(
                        t.starts_with(['1', '2', '3', '4']),
                        "target {target}: {got:?}"
                    );
                }
            }
        }
        // JSON Lines have no quoted cells: every lone CR is a line break.
        let got = chunks("1,\"a\rb\"\r", 1, false);
        let joined: Vec<u8> = got.iter().flat_map(|c| c.bytes.clone()).collect();
        assert_eq!(joined, b"1,\"a\nb\"\n");
    }

    #[test]
    fn a_subject_larger_than_the_limit_stops_the_chunker_at_every_target() {
        let mut text = String::from("1,a\n");
        text.push_str(&"2,bbbbbbbbbb\n".repeat(20_000));
        text.push_str("3,c\n");
        for target in [1, 10, 1000, 25_000] {
            let mut c =
                Chunker::new(text.as_bytes(), true, target, first_field).max_subject_bytes(100_000);
            let err = std::iter::from_fn(|| c.next_chunk().transpose())
                .find_map(Result::err)
                .expect("the limit is reached");
            let too_large = err
                .get_ref()
                .and_then(|e| e.downcast_ref::<SubjectTooLarge>());
            assert_eq!(
                too_large,
                Some(&SubjectTooLarge {
                    line: 2,
                    limit: 100_000
                }),
                "target {target}"
            );
        }
        // Under the limit, the same subject is read whole.
        let mut c = Chunker::new(text.as_bytes(), true, 10, first_field).max_subject_bytes(400_000);
        assert!(std::iter::from_fn(|| c.next_chunk().unwrap()).count() >= 2);
    }
}
