package validate

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/go-playground/validator/v10"
)

// This file holds the plumbing of the rules a caller adds in
// [Config.Rules]: checking their names, running them inside
// go-playground, and carrying their messages to [FieldErrors].

// rule is a rule from [Config.Rules] or [Config.ContextRules], in one
// shape: a plain rule ignores the words.
type rule struct {
	check func(value string, context ...string) error
	// withContext is set for ContextRules: the tag's parameter names
	// sibling fields whose values are context words.
	withContext bool
}

// addRules registers the caller's rules with go-playground.
func (v *Validator) addRules(plain map[string]func(string) error, withContext map[string]func(string, ...string) error) error {
	v.rules = make(map[string]rule, len(plain)+len(withContext))
	add := func(tag string, r rule, isNil bool) error {
		if err := checkRuleName(v.v, tag); err != nil {
			return err
		}
		if _, dup := v.rules[tag]; dup {
			return fmt.Errorf("validate: rule %q is in both Rules and ContextRules", tag)
		}
		if isNil {
			return fmt.Errorf("validate: rule %q is nil", tag)
		}
		v.rules[tag] = r
		if err := v.v.RegisterValidationCtx(tag, ruleFunc(tag, r)); err != nil {
			return fmt.Errorf("validate: rule %q: %w", tag, err)
		}
		return nil
	}
	for tag, fn := range plain {
		r := rule{check: func(s string, _ ...string) error { return fn(s) }}
		if err := add(tag, r, fn == nil); err != nil {
			return err
		}
	}
	for tag, fn := range withContext {
		if err := add(tag, rule{check: fn, withContext: true}, fn == nil); err != nil {
			return err
		}
	}
	return nil
}

// checkRuleName rejects names go-playground would refuse or that already
// mean something, so a custom rule can never silently replace "email".
func checkRuleName(v *validator.Validate, tag string) (err error) {
	if tag == "" || strings.ContainsAny(tag, ".[],|=+()`~!@#$%^&*\\\"/?<>{}' \t\n") {
		return fmt.Errorf("validate: rule name %q is empty or has reserved characters", tag)
	}
	switch tag {
	case "dive", "keys", "endkeys", "omitempty", "omitnil", "omitzero", "required", "isdefault", "-":
		return fmt.Errorf("validate: rule name %q is reserved", tag)
	}
	// go-playground has no lookup; an unknown tag panics with this text.
	// Any other outcome (including other panics, such as a missing
	// parameter of "min") means the name is taken.
	defined := true
	func() {
		defer func() {
			if p := recover(); p != nil && strings.Contains(fmt.Sprint(p), "Undefined validation function") {
				defined = false
			}
		}()
		_ = v.Var("", tag)
	}()
	if defined {
		return fmt.Errorf("validate: rule name %q is already a built-in rule", tag)
	}
	return nil
}

// ruleFailure records why a custom rule rejected a value, so the messages
// reach the client without running the rule twice.
type ruleFailure struct {
	tag, value string
	entries    []ruleEntry
}

type collector struct{ fails []ruleFailure }

type collectorKey struct{}

// ruleFunc adapts r to go-playground. A rejection's messages and codes
// are kept in the collector the validation's context carries.
func ruleFunc(tag string, r rule) validator.FuncCtx {
	return func(ctx context.Context, fl validator.FieldLevel) bool {
		f := fl.Field()
		if f.Kind() != reflect.String {
			return false // fail closed; Register reports this as a type error
		}
		s := f.String()
		var words []string
		if r.withContext {
			words = append(siblingWords(fl.Parent(), fl.Param()), ContextWords(ctx)...)
		}
		err := r.check(s, words...)
		if err == nil {
			return true
		}
		if c, ok := ctx.Value(collectorKey{}).(*collector); ok {
			c.fails = append(c.fails, ruleFailure{tag: tag, value: s, entries: ruleEntries(err)})
		}
		return false
	}
}

// checkRuleKinds reports a custom rule on a field that is not a string at
// the point the rule applies (after any dive), and a context rule naming
// something other than a string field of parent, the field's struct.
func (v *Validator) checkRuleKinds(parent reflect.Type, f reflect.StructField) error {
	tag := f.Tag.Get("validate")
	if tag == "" || len(v.rules) == 0 {
		return nil
	}
	t := f.Type
	inKeys := false
	keyType := t
	for _, part := range strings.Split(tag, ",") {
		for _, alt := range strings.Split(part, "|") {
			name, param, _ := strings.Cut(alt, "=")
			switch name {
			case "dive":
				t = deref(t)
				switch t.Kind() {
				case reflect.Slice, reflect.Array, reflect.Map:
					keyType = t
					t = t.Elem()
				}
				continue
			case "keys":
				inKeys = true
				continue
			case "endkeys":
				inKeys = false
				continue
			}
			r, ok := v.rules[name]
			if !ok {
				continue
			}
			if r.withContext {
				if err := checkSiblings(parent, f.Name, name, param); err != nil {
					return err
				}
			}
			at := t
			if inKeys && keyType.Kind() == reflect.Map {
				at = keyType.Key()
			}
			if deref(at).Kind() != reflect.String {
				return fmt.Errorf("field %s: rule %q needs a string, not %s", f.Name, name, at)
			}
		}
	}
	return nil
}

// ruleFailure returns the entries a custom rule gave for value: its
// messages and codes, or the caller's replacement message for the rule.
func (v *Validator) ruleFailure(c *collector, tag string, value any) []ruleEntry {
	s, _ := value.(string)
	var entries []ruleEntry
	if c != nil {
		for _, f := range c.fails {
			if f.tag == tag && f.value == s {
				entries = f.entries
				break
			}
		}
	}
	if m := v.messages[tag]; m != "" {
		// One replacement message; the codes stay, so a client can
		// still tell the reasons apart.
		var codes []string
		for _, e := range entries {
			codes = append(codes, e.codes...)
		}
		return []ruleEntry{{msg: m, codes: codes}}
	}
	if len(entries) == 0 {
		return []ruleEntry{{msg: "is not valid"}}
	}
	return entries
}
