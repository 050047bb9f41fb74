package engine

import (
	"net/url"
	"slices"
	"strings"
)

// secretMarkers are the parts of environment variable names that mark
// secrets.
var secretMarkers = []string{"KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "AUTH"}

// IsSecretName reports whether an environment variable's name marks its
// value as a secret.
func IsSecretName(name string) bool {
	up := strings.ToUpper(name)
	for _, m := range secretMarkers {
		if strings.Contains(up, m) {
			return true
		}
	}
	return false
}

// Redacted replaces secret values wherever they appear.
const Redacted = "[redacted]"

// minSecret is the shortest value treated as a secret: shorter ones
// ("1", "yes") would blank out ordinary text.
const minSecret = 6

// Redactor removes secrets from results and errors before they reach the
// store, the report or the terminal. Secrets come from the environment:
// the values of variables whose names mark secrets, and the passwords in
// URLs with credentials (DATABASE_URL=postgres://u:pw@host/db).
type Redactor struct {
	secrets []string // longest first, so a secret inside another goes too
}

// NewRedactor returns a Redactor for the secrets of env (os.Environ form).
func NewRedactor(env []string) *Redactor {
	r := &Redactor{}
	for _, kv := range env {
		name, val, _ := strings.Cut(kv, "=")
		if IsSecretName(name) {
			r.add(val)
		}
		if u, err := url.Parse(val); err == nil && u.User != nil {
			if pw, ok := u.User.Password(); ok {
				r.add(pw)
			}
		}
	}
	slices.SortFunc(r.secrets, func(a, b string) int { return len(b) - len(a) })
	return r
}

func (r *Redactor) add(s string) {
	if len(s) >= minSecret && !slices.Contains(r.secrets, s) {
		r.secrets = append(r.secrets, s)
	}
}

// String returns s with every secret replaced by Redacted.
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	for _, sec := range r.secrets {
		if strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, Redacted)
		}
	}
	return s
}

// Result redacts every text of res in place.
func (r *Redactor) Result(res *Result) {
	if r == nil || len(r.secrets) == 0 || res == nil {
		return
	}
	res.Text = r.String(res.Text)
	res.NotAvailable = r.String(res.NotAvailable)
	for i := range res.Warnings {
		res.Warnings[i] = r.String(res.Warnings[i])
	}
	for k, v := range res.Values {
		v.Text = r.String(v.Text)
		res.Values[k] = v
	}
	for _, t := range res.Tables {
		t.Caption = r.String(t.Caption)
		for i := range t.Columns {
			t.Columns[i] = r.String(t.Columns[i])
		}
		for _, row := range t.Rows {
			for i := range row {
				row[i] = r.String(row[i])
			}
		}
	}
	for k, v := range res.Meta {
		res.Meta[k] = r.String(v)
	}
}

// Error returns err with its text redacted, keeping its chain.
func (r *Redactor) Error(err error) error {
	if err == nil || r == nil {
		return err
	}
	if msg := r.String(err.Error()); msg != err.Error() {
		return &redactedError{msg: msg, err: err}
	}
	return err
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
