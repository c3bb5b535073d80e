package validate

import (
	"errors"
	"reflect"
	"strings"
)

// This file turns the error a custom rule returns into client entries:
// its messages, and the stable codes of rules such as a password policy.

// Messages is an error made of one or more client-facing messages. A rule
// in [Config.Rules] returns it to report several unmet conditions at once;
// each message becomes its own entry in [FieldErrors].
//
// Any error type can do the same by implementing
//
//	interface{ Messages() []string }
//
// (found with [errors.As], so it may be wrapped). A rule error without that
// method is shown as its Error text. Either way the text goes to the client
// verbatim, so it must describe the rule, never repeat the value.
//
// Stable codes come from a method Codes() []S, S any string type, on the
// error or anything it wraps; password.PolicyError has one. With as many
// codes as messages, each entry gets the code of its message
// ([FieldError.Codes]); otherwise each entry lists them all.
type Messages []string

// Error joins the messages with "; ".
func (m Messages) Error() string { return strings.Join(m, "; ") }

// Messages returns m.
func (m Messages) Messages() []string { return m }

// messager is the interface documented on [Messages].
type messager interface{ Messages() []string }

// ruleMessages turns a rule's error into client messages.
func ruleMessages(err error) []string {
	var m messager
	if errors.As(err, &m) {
		var out []string
		for _, s := range m.Messages() {
			if s != "" {
				out = append(out, s)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	if s := err.Error(); s != "" {
		return []string{s}
	}
	return []string{"is not valid"}
}

// ruleEntry is one client entry from a rule's error.
type ruleEntry struct {
	msg   string
	codes []string
}

// ruleEntries turns a rule's error into entries: one per message, each
// with its own code when the error has as many codes as messages (as
// password.PolicyError does), else every entry with all the codes.
func ruleEntries(err error) []ruleEntry {
	msgs := ruleMessages(err)
	codes := ruleCodes(err)
	out := make([]ruleEntry, len(msgs))
	for i, m := range msgs {
		out[i].msg = m
		switch {
		case len(codes) == len(msgs):
			out[i].codes = codes[i : i+1 : i+1]
		case len(codes) > 0:
			out[i].codes = codes
		}
	}
	return out
}

// ruleCodes finds the stable codes a rule's error carries: the result of
// a method
//
//	Codes() []S
//
// where S is any string type, on the error or anything it wraps. A rule
// from another package can so report codes without that package and this
// one importing each other: password.PolicyError's Codes returns
// []password.Code. Empty codes are dropped.
func ruleCodes(err error) []string {
	for _, e := range errorTree(err) {
		m := reflect.ValueOf(e).MethodByName("Codes")
		if !m.IsValid() {
			continue
		}
		t := m.Type()
		if t.NumIn() != 0 || t.NumOut() != 1 || t.Out(0).Kind() != reflect.Slice || t.Out(0).Elem().Kind() != reflect.String {
			continue
		}
		list := m.Call(nil)[0]
		var codes []string
		for i := range list.Len() {
			if c := list.Index(i).String(); c != "" {
				codes = append(codes, c)
			}
		}
		return codes
	}
	return nil
}

// errorTree lists err and every error it wraps, depth first, as
// errors.As visits them. The depth is bounded: a rule's error is not
// expected to nest deeply, and a cycle must not hang a request.
func errorTree(err error) []error {
	var out []error
	var walk func(error, int)
	walk = func(e error, depth int) {
		if e == nil || depth > 32 {
			return
		}
		out = append(out, e)
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap(), depth+1)
		case interface{ Unwrap() []error }:
			for _, c := range u.Unwrap() {
				walk(c, depth+1)
			}
		}
	}
	walk(err, 0)
	return out
}
