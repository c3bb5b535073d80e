package validate

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/go-playground/validator/v10"
)

// This file holds the plumbing of the rules a caller adds in
// [Config.Rules]: checking their names, running them inside
// go-playground, and carrying their messages to [FieldErrors].

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

// addRules registers the caller's rules with go-playground.
func (v *Validator) addRules(rules map[string]func(string) error) error {
	v.rules = make(map[string]func(string) error, len(rules))
	for tag, fn := range rules {
		if err := checkRuleName(v.v, tag); err != nil {
			return err
		}
		if fn == nil {
			return fmt.Errorf("validate: rule %q is nil", tag)
		}
		v.rules[tag] = fn
		if err := v.v.RegisterValidationCtx(tag, ruleFunc(tag, fn)); err != nil {
			return fmt.Errorf("validate: rule %q: %v", tag, err)
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
	msgs       []string
}

type collector struct{ fails []ruleFailure }

type collectorKey struct{}

func ruleFunc(tag string, fn func(string) error) validator.FuncCtx {
	return func(ctx context.Context, fl validator.FieldLevel) bool {
		f := fl.Field()
		if f.Kind() != reflect.String {
			return false // fail closed; Register reports this as a type error
		}
		s := f.String()
		err := fn(s)
		if err == nil {
			return true
		}
		if c, ok := ctx.Value(collectorKey{}).(*collector); ok {
			c.fails = append(c.fails, ruleFailure{tag: tag, value: s, msgs: ruleMessages(err)})
		}
		return false
	}
}

// checkRuleKinds reports a custom rule on a field that is not a string at
// the point the rule applies (after any dive).
func (v *Validator) checkRuleKinds(f reflect.StructField) error {
	tag := f.Tag.Get("validate")
	if tag == "" || len(v.rules) == 0 {
		return nil
	}
	t := f.Type
	inKeys := false
	keyType := t
	for _, part := range strings.Split(tag, ",") {
		for _, alt := range strings.Split(part, "|") {
			name, _, _ := strings.Cut(alt, "=")
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
			if _, ok := v.rules[name]; !ok {
				continue
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

// ruleFailure finds the messages a custom rule gave for value.
func (v *Validator) ruleFailure(c *collector, tag string, value any, fn func(string) error) []string {
	s, _ := value.(string)
	if c != nil {
		for _, f := range c.fails {
			if f.tag == tag && f.value == s {
				if v.messages[tag] != "" {
					return []string{v.messages[tag]}
				}
				return f.msgs
			}
		}
	}
	if m := v.messages[tag]; m != "" {
		return []string{m}
	}
	if err := fn(s); err != nil {
		return ruleMessages(err)
	}
	return []string{"is not valid"}
}
