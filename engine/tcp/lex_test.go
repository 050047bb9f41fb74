package tcp

import (
	"errors"
	"fmt"
	"testing"
)

// lexAll returns the tokens of src as "word", "op:|" or "redir:2>" strings,
// with the substitutions of each word as "sub:text".
func lexAll(src string) ([]string, error) {
	lx := lexer{src: src}
	var out []string
	for {
		t, err := lx.next()
		if err != nil {
			return out, err
		}
		switch t.kind {
		case tEOF:
			return out, nil
		case tWord:
			out = append(out, t.s)
			for i := range lx.nsub {
				sp := lx.sub(i)
				out = append(out, "sub:"+src[sp.start:sp.end])
			}
		case tRedir:
			out = append(out, "redir:"+t.s)
		default:
			out = append(out, "op:"+t.s)
		}
	}
}

func TestLexer(t *testing.T) {
	tests := []struct {
		name, in string
		want     string
	}{
		{"blanks", " a \t b  ", "[a b]"},
		{"quotes", `a 'b c' "d e" f\ g`, "[a b c d e f g]"},
		{"adjacent quotes", `'it''s' "x"'y'z`, "[its xyz]"},
		{"escapes in double quotes", `"a\"b" "c\$d" "e\f" 'g\h'`, `[a"b c$d e\f g\h]`},
		{"line continuation", "ec\\\nho", "[echo]"},
		{"operators", "a|b||c&&d;e&f|&g", "[a op:| b op:|| c op:&& d op:; e op:& f op:|& g]"},
		{"newline separates", "a\nb", "[a op:\n b]"},
		{"groups", "(a) { b; }", "[op:( a op:) { b op:; }]"},
		{"redirections", "a >f 2>/dev/null &>log 2>&1 >>app <in <<EOF <<<str", "[a redir:> f redir:2> /dev/null redir:&> log redir:2>& 1 redir:>> app redir:< in redir:<< EOF redir:<<< str]"},
		{"digits are a word", "echo 2 >x", "[echo 2 redir:> x]"},
		{"glued redirection", "echo hi>out", "[echo hi redir:> out]"},
		{"comment", "a #b c", "[a]"},
		{"hash inside a word", "a#b", "[a#b]"},
		{"command substitution", "echo $(date +%s) x", "[echo $(date +%s) sub:date +%s x]"},
		{"substitution in quotes", `x"$(echo ")")"y`, `[x$(echo ")")y sub:echo ")"]`},
		{"nested substitution", "$(a $(b))", "[$(a $(b)) sub:a $(b)]"},
		{"backquotes", "echo `uname -r`", "[echo `uname -r` sub:uname -r]"},
		{"arithmetic is no substitution", "echo $((1+(2*3)))", "[echo $((1+(2*3)))]"},
		{"parameter expansion kept as written", `echo ${x:-"a b"} $y`, `[echo ${x:-"a b"} $y]`},
		{"process substitution", "diff <(ls a) >(cat)", "[diff <(ls a) sub:ls a >(cat) sub:cat]"},
		{"several substitutions", "$(a)$(b)$(c)$(d)$(e)$(f)", "[$(a)$(b)$(c)$(d)$(e)$(f) sub:a sub:b sub:c sub:d sub:e sub:f]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := lexAll(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != tt.want {
				t.Errorf("lex(%q) = %s, want %s", tt.in, fmt.Sprint(got), tt.want)
			}
		})
	}
	if _, err := lexAll(`a "b`); !errors.Is(err, ErrQuote) {
		t.Errorf("unbalanced quote: %v", err)
	}
}
