//! Quotation marks: finds every quoted passage, in any common style, with its offsets.

/// A quoted passage: the characters between the marks, as code-point offsets into the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quoted {
    pub start: usize,
    pub end: usize,
    /// Offsets of the opening and closing marks (the closing one may be missing when a quote
    /// runs on into the next paragraph).
    pub open_mark: usize,
    pub close_mark: Option<usize>,
}

/// The closing mark for an opening one.
fn closer(open: char) -> Option<char> {
    match open {
        '«' => Some('»'),
        '‹' => Some('›'),
        '“' => Some('”'),
        '„' => Some('“'),
        '"' => Some('"'),
        '‘' => Some('’'),
        '\'' => Some('\''),
        _ => None,
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric()
}

/// An apostrophe inside a word (don’t, Côte d’Ivoire) is not a closing single quote, nor is a
/// plural's possessive before a lower-case word ("the workers' pay").
fn is_apostrophe(chars: &[char], i: usize) -> bool {
    let inside_word = i > 0 && is_word(chars[i - 1]) && chars.get(i + 1).is_some_and(|c| is_word(*c));
    let possessive = i > 0
        && chars[i - 1] == 's'
        && chars.get(i + 1) == Some(&' ')
        && chars.get(i + 2).is_some_and(|c| c.is_lowercase());
    matches!(chars[i], '’' | '\'') && (inside_word || possessive)
}

/// A straight double quote opens when it is not preceded by a word character.
fn can_open_straight(chars: &[char], i: usize) -> bool {
    i == 0 || !is_word(chars[i - 1])
}

/// A blank line ends a paragraph: another line break before any visible character.
fn paragraph_break_at(chars: &[char], i: usize) -> bool {
    chars[i] == '\n' && chars[i + 1..].iter().take_while(|c| c.is_whitespace()).any(|c| *c == '\n')
}

/// Every quoted passage, outermost only (a quote inside a quote is part of the outer text).
/// A quote left open at a paragraph break ends there, as newspapers reopen it in the next
/// paragraph.
pub fn find(chars: &[char]) -> Vec<Quoted> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let Some(close) = closer(c) else {
            i += 1;
            continue;
        };
        if c == '"' && !can_open_straight(chars, i) {
            i += 1;
            continue;
        }
        // A straight single quote opens a quotation only before a word: not "rock 'n' roll"
        // halves, not an apostrophe.
        if c == '\''
            && (!can_open_straight(chars, i) || !chars.get(i + 1).is_some_and(|n| n.is_alphanumeric()))
        {
            i += 1;
            continue;
        }
        if c == '‘' && i > 0 && is_word(chars[i - 1]) {
            i += 1;
            continue;
        }
        let open_mark = i;
        let mut j = i + 1;
        let mut close_mark = None;
        let mut last_possessive = None;
        while j < chars.len() {
            if chars[j] == close && !(close == '\'' && chars[j - 1].is_whitespace()) {
                if !is_apostrophe(chars, j) {
                    close_mark = Some(j);
                    break;
                }
                if chars[j - 1] == 's' && !chars.get(j + 1).is_some_and(|c| is_word(*c)) {
                    last_possessive = Some(j);
                }
            }
            if chars[j] == '\n' && paragraph_break_at(chars, j) {
                break;
            }
            j += 1;
        }
        // "defend ‘the workers’ rights’ at any cost": a quote opened inside a sentence never
        // runs on into the next paragraph, so the last plural's mark that could close it does.
        let inside_sentence =
            chars[..open_mark].iter().rev().find(|c| !c.is_whitespace()).is_some_and(|c| is_word(*c));
        if close_mark.is_none()
            && inside_sentence
            && let Some(possessive) = last_possessive
        {
            close_mark = Some(possessive);
            j = possessive;
        }
        let (mut start, mut end) = (open_mark + 1, j);
        while start < end && chars[start].is_whitespace() {
            start += 1;
        }
        while end > start && chars[end - 1].is_whitespace() {
            end -= 1;
        }
        if end > start {
            found.push(Quoted { start, end, open_mark, close_mark });
        }
        i = close_mark.map_or(j, |m| m + 1);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<String> {
        let chars: Vec<char> = text.chars().collect();
        find(&chars).iter().map(|q| chars[q.start..q.end].iter().collect()).collect()
    }

    #[test]
    fn every_style_of_mark() {
        assert_eq!(texts("«Oui,» dit-il. “Yes,” he said. \"Sí,\" she said."), ["Oui,", "Yes,", "Sí,"]);
        assert_eq!(
            texts("'We won't pay the workers' debts', she said."),
            ["We won't pay the workers' debts"]
        );
        assert_eq!(texts("« Non merci », a-t-il dit."), ["Non merci"]);
        assert_eq!(texts("‘We won’t go,’ she said."), ["We won’t go,"]);
    }

    #[test]
    fn nested_quotes_stay_inside() {
        assert_eq!(texts("“He told me ‘never again’,” she said."), ["He told me ‘never again’,"]);
    }

    #[test]
    fn a_quote_reopened_in_the_next_paragraph_is_two_passages() {
        let text = "«We will rebuild the port.\n\n«And we will do it this year,» he said.";
        assert_eq!(texts(text), ["We will rebuild the port.", "And we will do it this year,"]);
    }

    #[test]
    fn a_partial_quote_ending_in_a_plurals_mark_closes_there() {
        assert_eq!(
            texts(
                "He would defend ‘the workers’ rights’ at any cost.\n\n‘Not the bosses’ profits,’ he said."
            ),
            ["the workers’ rights", "Not the bosses’ profits,"]
        );
        assert_eq!(texts("She said ‘the members’ votes’ and left."), ["the members’ votes"]);
    }

    #[test]
    fn inch_marks_and_apostrophes_are_not_quotes() {
        assert_eq!(texts("The 12\" pipe and the minister’s plan."), Vec::<String>::new());
    }
}
