package validate

import (
	"fmt"
	"strings"
	"testing"

	"github.com/go-playground/validator/v10"
)

// knownTag reports whether go-playground defines tag: an unknown tag
// panics with "Undefined validation function"; anything else (success, or
// a panic about the missing parameter of "min") means it is defined.
func knownTag(v *validator.Validate, tag string) (known bool) {
	known = true
	defer func() {
		if p := recover(); p != nil && strings.Contains(fmt.Sprint(p), "Undefined validation function") {
			known = false
		}
	}()
	_ = v.Var("", tag)
	return known
}

// TestMessageTablesNameRealTags: a message keyed by a misspelt tag would
// never be used, and the rule would fall back to the generic wording.
func TestMessageTablesNameRealTags(t *testing.T) {
	v := validator.New()
	if knownTag(v, "no_such_rule") {
		t.Fatal("knownTag accepts an undefined tag")
	}
	for tag := range fixedMessages {
		if !knownTag(v, tag) {
			t.Errorf("fixedMessages: %q is not a validator tag", tag)
		}
		if _, both := paramMessages[tag]; both {
			t.Errorf("%q is in both message tables", tag)
		}
	}
	for tag := range paramMessages {
		if !knownTag(v, tag) {
			t.Errorf("paramMessages: %q is not a validator tag", tag)
		}
	}
	for _, tag := range []string{"eqfield", "required_with", "required_if", "ltecsfield"} {
		if fieldRef(tag) == "" {
			t.Errorf("fieldRef(%q) is empty", tag)
		}
	}
}
