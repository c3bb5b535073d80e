package validate

import (
	"context"
	"fmt"
	"reflect"
	"strings"
)

// This file carries the context words of [Config.ContextRules]: words a
// value must not contain, such as a password the user's own email or
// name. They come from two places: sibling fields named in the tag, and
// the request's context.

type wordsKey struct{}

// WithContextWords returns a copy of ctx carrying words for the rules in
// [Config.ContextRules], added to any ctx already carries. Use it for
// words the request body does not hold, such as the signed-in user's
// name when they change their password:
//
//	r = r.WithContext(validate.WithContextWords(r.Context(), user.Name, user.Email))
//	err := v.DecodeJSON(r, &change)
//
// [Validator.DecodeJSON] and [Validator.DecodeQuery] pass the request's
// context to the rules; [Validator.Struct] passes none.
func WithContextWords(ctx context.Context, words ...string) context.Context {
	have := ContextWords(ctx)
	all := make([]string, 0, len(have)+len(words))
	return context.WithValue(ctx, wordsKey{}, append(append(all, have...), words...))
}

// ContextWords returns the words [WithContextWords] put in ctx.
func ContextWords(ctx context.Context) []string {
	words, _ := ctx.Value(wordsKey{}).([]string)
	return words
}

// siblingWords returns the non-empty values of the fields of parent (a
// struct, or a pointer to one) whose Go names are listed in param,
// separated by spaces. Register has checked that each is a string field.
func siblingWords(parent reflect.Value, param string) []string {
	for parent.Kind() == reflect.Pointer && !parent.IsNil() {
		parent = parent.Elem()
	}
	if param == "" || parent.Kind() != reflect.Struct {
		return nil
	}
	var words []string
	for _, name := range strings.Fields(param) {
		f := parent.FieldByName(name)
		for f.Kind() == reflect.Pointer && !f.IsNil() {
			f = f.Elem()
		}
		if f.Kind() == reflect.String && f.String() != "" {
			words = append(words, f.String())
		}
	}
	return words
}

// checkSiblings reports a context rule whose parameter names something
// other than a string field of parent.
func checkSiblings(parent reflect.Type, field, tag, param string) error {
	for _, name := range strings.Fields(param) {
		f, ok := deref(parent).FieldByName(name)
		if !ok || deref(f.Type).Kind() != reflect.String {
			return fmt.Errorf("field %s: rule %q names %q, which is not a string field of the same struct", field, tag, name)
		}
	}
	return nil
}
