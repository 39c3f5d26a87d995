//! The part of GitHub Actions' expression language that workflows written by `shipline-status
//! init` use: literals, context properties (`github.token`, `steps.<id>.outputs.<name>`,
//! `job.status`), `==`, `!=`, `!`, `&&`, `||`, parentheses and the status functions. Anything
//! else panics with the expression, so a workflow that starts using more fails the test instead of
//! being evaluated wrongly.
//!
//! Semantics as documented: `&&` and `||` give one of their operands, `''` and `null` are falsy,
//! string comparison ignores case, values of different types compare as numbers (so an output
//! that was never set equals `''`).

/// A value of an expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// `null`, also a property that is not set.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A string.
    Str(String),
}

impl Val {
    /// Whether the value counts as true.
    pub fn truthy(&self) -> bool {
        match self {
            Val::Null => false,
            Val::Bool(b) => *b,
            Val::Str(s) => !s.is_empty(),
        }
    }

    /// The value as a number, for comparing values of different types: `null` and `''` are
    /// 0, text that is no number is NaN (equal to nothing).
    fn number(&self) -> f64 {
        match self {
            Val::Null => 0.0,
            Val::Bool(b) => f64::from(u8::from(*b)),
            Val::Str(s) if s.trim().is_empty() => 0.0,
            Val::Str(s) => s.trim().parse().unwrap_or(f64::NAN),
        }
    }

    /// The value as it is put into a string (`env:`, `with:`).
    pub fn text(&self) -> String {
        match self {
            Val::Null => String::new(),
            Val::Bool(b) => b.to_string(),
            Val::Str(s) => s.clone(),
        }
    }
}

/// What an expression can read: context properties and the job's status.
pub trait Context {
    /// The value of a dotted property (`github.token`), `None` when the runner does not know
    /// the context at all (which panics).
    fn property(&self, path: &str) -> Option<Val>;
    /// `success`, `failure` or `cancelled`.
    fn job_status(&self) -> &str;
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    And,
    Or,
    Eq,
    Ne,
    Not,
    Str(String),
    Word(String),
}

fn tokens(expr: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let chars: Vec<char> = expr.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
        match c {
            ' ' | '\t' | '\n' => i += 1,
            '(' => {
                out.push(Token::Open);
                i += 1;
            }
            ')' => {
                out.push(Token::Close);
                i += 1;
            }
            _ if two == "&&" => {
                out.push(Token::And);
                i += 2;
            }
            _ if two == "||" => {
                out.push(Token::Or);
                i += 2;
            }
            _ if two == "==" => {
                out.push(Token::Eq);
                i += 2;
            }
            _ if two == "!=" => {
                out.push(Token::Ne);
                i += 2;
            }
            '!' => {
                out.push(Token::Not);
                i += 1;
            }
            '\'' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            s.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(c) => {
                            s.push(*c);
                            i += 1;
                        }
                        None => panic!("unterminated string in `{expr}`"),
                    }
                }
                out.push(Token::Str(s));
            }
            c if c.is_ascii_alphanumeric() || c == '_' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || "_.-".contains(chars[i]))
                {
                    i += 1;
                }
                out.push(Token::Word(chars[start..i].iter().collect()));
            }
            other => panic!("`{other}` in `{expr}`: not an operator this runner evaluates"),
        }
    }
    out
}

struct Parser<'a> {
    tokens: Vec<Token>,
    at: usize,
    expr: &'a str,
    context: &'a dyn Context,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn or(&mut self) -> Val {
        let mut left = self.and();
        while self.peek() == Some(&Token::Or) {
            self.at += 1;
            let right = self.and();
            left = if left.truthy() { left } else { right };
        }
        left
    }

    fn and(&mut self) -> Val {
        let mut left = self.compare();
        while self.peek() == Some(&Token::And) {
            self.at += 1;
            let right = self.compare();
            left = if left.truthy() { right } else { left };
        }
        left
    }

    fn compare(&mut self) -> Val {
        let left = self.unary();
        let negate = match self.peek() {
            Some(Token::Eq) => false,
            Some(Token::Ne) => true,
            _ => return left,
        };
        self.at += 1;
        let right = self.unary();
        let equal = match (&left, &right) {
            (Val::Str(a), Val::Str(b)) => a.eq_ignore_ascii_case(b),
            (Val::Bool(a), Val::Bool(b)) => a == b,
            (Val::Null, Val::Null) => true,
            // Values of different types are compared as numbers.
            (a, b) => a.number() == b.number(),
        };
        Val::Bool(equal != negate)
    }

    fn unary(&mut self) -> Val {
        let expr = self.expr;
        match self.next() {
            Some(Token::Not) => Val::Bool(!self.unary().truthy()),
            Some(Token::Open) => {
                let value = self.or();
                assert_eq!(
                    self.next(),
                    Some(Token::Close),
                    "`(` not closed in `{expr}`"
                );
                value
            }
            Some(Token::Str(s)) => Val::Str(s),
            Some(Token::Word(word)) => self.word(&word),
            other => panic!("`{expr}`: unexpected {other:?}"),
        }
    }

    fn word(&mut self, word: &str) -> Val {
        let expr = self.expr;
        if self.peek() == Some(&Token::Open) {
            self.at += 1;
            assert_eq!(
                self.next(),
                Some(Token::Close),
                "`{expr}`: {word}() with arguments is not evaluated here"
            );
            let status = self.context.job_status();
            return Val::Bool(match word {
                "always" => true,
                "success" => status == "success",
                "failure" => status == "failure",
                "cancelled" => status == "cancelled",
                _ => panic!("`{expr}`: {word}() is not a function this runner evaluates"),
            });
        }
        match word {
            "true" => Val::Bool(true),
            "false" => Val::Bool(false),
            "null" => Val::Null,
            path => self.context.property(path).unwrap_or_else(|| {
                panic!("`{expr}` reads `{path}`, a context this simulated runner does not know")
            }),
        }
    }
}

/// Evaluates one expression (the text between `${{` and `}}`).
pub fn eval(expr: &str, context: &dyn Context) -> Val {
    let mut parser = Parser {
        tokens: tokens(expr),
        at: 0,
        expr,
        context,
    };
    let value = parser.or();
    assert!(
        parser.at == parser.tokens.len(),
        "`{expr}`: trailing {:?}",
        &parser.tokens[parser.at..]
    );
    value
}

/// Whether a job or step `if:` holds: `${{ }}` optional, and without a status function the
/// condition is `success() && (...)`, as GitHub documents.
pub fn condition(text: Option<&str>, context: &dyn Context) -> bool {
    let Some(text) = text else {
        return context.job_status() == "success";
    };
    let expr = text
        .trim()
        .strip_prefix("${{")
        .and_then(|e| e.strip_suffix("}}"))
        .unwrap_or(text);
    let checks_status = ["always(", "success(", "failure(", "cancelled("]
        .iter()
        .any(|f| expr.contains(f));
    (checks_status || context.job_status() == "success") && eval(expr, context).truthy()
}

/// A string with its `${{ ... }}` parts replaced by their values.
pub fn interpolate(text: &str, context: &dyn Context) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 3..];
        let end = after
            .find("}}")
            .unwrap_or_else(|| panic!("`${{{{` not closed in `{text}`"));
        out.push_str(&eval(&after[..end], context).text());
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Job(&'static str);

    impl Context for Job {
        fn property(&self, path: &str) -> Option<Val> {
            match path {
                "job.status" => Some(Val::Str(self.0.into())),
                "steps.start.outputs.deployment-id" => Some(Val::Str("42".into())),
                "steps.risk.outputs.level" => Some(Val::Null),
                _ => None,
            }
        }

        fn job_status(&self) -> &str {
            self.0
        }
    }

    const STATE: &str = "job.status == 'success' && 'success' || (job.status == 'cancelled' && 'cancelled' || 'failure')";

    #[test]
    fn and_or_give_an_operand_as_github_documents() {
        assert_eq!(eval(STATE, &Job("success")).text(), "success");
        assert_eq!(eval(STATE, &Job("failure")).text(), "failure");
        assert_eq!(eval(STATE, &Job("cancelled")).text(), "cancelled");
    }

    #[test]
    fn conditions_imply_success_unless_they_ask_for_the_status() {
        let started = "${{ always() && steps.start.outputs.deployment-id != '' }}";
        assert!(condition(Some(started), &Job("failure")));
        assert!(!condition(
            Some("steps.start.outputs.deployment-id != ''"),
            &Job("failure")
        ));
        assert!(!condition(
            Some("steps.risk.outputs.level != ''"),
            &Job("success")
        ));
        assert!(condition(None, &Job("success")));
        assert!(!condition(None, &Job("failure")));
    }

    #[test]
    fn interpolation_replaces_each_expression() {
        assert_eq!(
            interpolate(
                "id ${{ steps.start.outputs.deployment-id }}!",
                &Job("success")
            ),
            "id 42!"
        );
    }

    #[test]
    #[should_panic(expected = "does not know")]
    fn an_unknown_context_is_refused() {
        eval("secrets.TOKEN", &Job("success"));
    }
}
