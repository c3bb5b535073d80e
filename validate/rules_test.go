package validate_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/lambdasec/lambdasec/password"
	"github.com/lambdasec/lambdasec/validate"
)

// signupBody takes context words for its password from sibling fields.
type signupBody struct {
	Email    string  `json:"email" validate:"required,email,max=254"`
	Name     *string `json:"name" validate:"omitempty,max=100"`
	Password string  `json:"password" validate:"required,password=Email Name"`
}

func passwordValidator(t *testing.T) *validate.Validator {
	t.Helper()
	v := mustNew(t, validate.Config{
		ContextRules: map[string]func(string, ...string) error{"password": password.NIST().Check},
	})
	if err := v.Register(signupBody{}); err != nil {
		t.Fatal(err)
	}
	return v
}

// entry is one field error as a client reads it.
type entry struct {
	Field, Rule, Param string
	Codes              []string
}

func entries(t *testing.T, err error) []entry {
	t.Helper()
	var fe *validate.FieldErrors
	if !errors.As(err, &fe) || !errors.Is(err, validate.ErrInvalid) {
		t.Fatalf("got %v, want a *FieldErrors wrapping ErrInvalid", err)
	}
	var out []entry
	for _, e := range fe.Errors {
		out = append(out, entry{e.Field, e.Rule, e.Param, e.Codes})
	}
	return out
}

// TestPasswordCodes: the password rule's field errors carry the policy's
// stable codes, one per message, so a client can translate each reason.
func TestPasswordCodes(t *testing.T) {
	v := passwordValidator(t)
	cases := []struct {
		name, body string
		ctx        []string
		want       []string // codes of the password entries, in order
	}{
		{name: "too short", body: `{"email":"ada@example.com","password":"vq8zk-w"}`, want: []string{"too_short"}},
		{name: "common", body: `{"email":"ada@example.com","password":"passwordpassword"}`, want: []string{"common"}},
		{name: "email local part", body: `{"email":"margaret@example.com","password":"margaret-likes-apollo"}`, want: []string{"contains_context"}},
		{name: "name field", body: `{"email":"ada@example.com","name":"Hamilton","password":"orbit-hamilton-lander"}`, want: []string{"contains_context"}},
		{name: "word from the request context", body: `{"email":"ada@example.com","password":"quiet-zebrafish-lantern"}`, ctx: []string{"zebrafish"}, want: []string{"contains_context"}},
		{name: "accepted", body: `{"email":"ada@example.com","name":"Ada","password":"quiet-zebrafish-lantern"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := jsonRequest("POST", tc.body)
			if tc.ctx != nil {
				r = r.WithContext(validate.WithContextWords(r.Context(), tc.ctx...))
			}
			var in signupBody
			err := v.DecodeJSON(r, &in)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("got %v, want accepted", err)
				}
				return
			}
			var got []string
			for _, e := range entries(t, err) {
				if e.Field != "password" || e.Rule != "password" || e.Param != "email name" || len(e.Codes) != 1 {
					t.Errorf("entry %+v, want field and rule password, param \"email name\", one code", e)
				}
				got = append(got, e.Codes...)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("codes %q, want %q", got, tc.want)
			}
		})
	}
}

// TestPasswordCodesInAnswer: the codes reach the problem document.
func TestPasswordCodesInAnswer(t *testing.T) {
	v := passwordValidator(t)
	h := validate.JSON(v, func(w http.ResponseWriter, r *http.Request, in signupBody) {})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, jsonRequest("POST", `{"email":"ada@example.com","password":"vq8zk-w"}`))
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), `"rule":"password","param":"email name","message":"must be at least 15 characters","codes":["too_short"]`) {
		t.Errorf("got %d %s", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), "vq8zk") {
		t.Errorf("answer echoes the password: %s", rec.Body)
	}
}

// TestPlainRuleCodes: Rules report codes too, and a replacement message
// keeps them.
func TestPlainRuleCodes(t *testing.T) {
	type body struct {
		Password string `json:"password" validate:"password"`
	}
	v := mustNew(t, validate.Config{
		Rules:        map[string]func(string) error{"password": password.Composition().Rule()},
		RuleMessages: map[string]string{"password": "is too weak"},
	})
	err := v.DecodeJSON(jsonRequest("POST", `{"password":"abc"}`), &body{})
	got := entries(t, err)
	if len(got) != 1 || !reflect.DeepEqual(got[0].Codes, []string{"too_short", "missing_upper", "missing_digit", "missing_special"}) {
		t.Errorf("got %+v", got)
	}
}

// codesError has fewer codes than messages: every entry lists them all.
type codesError struct{}

func (codesError) Error() string      { return "bad" }
func (codesError) Messages() []string { return []string{"is bad", "is worse"} }
func (codesError) Codes() []string    { return []string{"x"} }
func badRule(string, ...string) error { return errors.Join(errors.New("wrapped"), codesError{}) }
func wordsRule(s string, w ...string) error {
	if strings.Join(w, ",") != "ada@example.com,from-ctx" {
		return validate.Messages{"got words " + strings.Join(w, ",")}
	}
	return nil
}

func TestContextRuleShapes(t *testing.T) {
	type body struct {
		Email string `json:"email"`
		A     string `json:"a" validate:"bad"`
		B     string `json:"b" validate:"words=Email"`
	}
	v := mustNew(t, validate.Config{ContextRules: map[string]func(string, ...string) error{"bad": badRule, "words": wordsRule}})
	r := jsonRequest("POST", `{"email":"ada@example.com","a":"x","b":"y"}`)
	r = r.WithContext(validate.WithContextWords(context.Background(), "from-ctx"))
	got := entries(t, v.DecodeJSON(r, &body{}))
	want := []entry{{"a", "bad", "", []string{"x"}}, {"a", "bad", "", []string{"x"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// TestContextRuleRegistration: a context rule must name string fields of
// its own struct, and a name cannot be in both Rules and ContextRules.
func TestContextRuleRegistration(t *testing.T) {
	v := passwordValidator(t)
	type unknownSibling struct {
		P string `validate:"password=Nope"`
	}
	type intSibling struct {
		Age int
		P   string `validate:"password=Age"`
	}
	for _, x := range []any{unknownSibling{}, intSibling{}} {
		if err := v.Register(x); !errors.Is(err, validate.ErrInvalidType) {
			t.Errorf("Register(%T): got %v, want ErrInvalidType", x, err)
		}
	}
	_, err := validate.New(validate.Config{
		Rules:        map[string]func(string) error{"pw": func(string) error { return nil }},
		ContextRules: map[string]func(string, ...string) error{"pw": password.NIST().Check},
	})
	if err == nil {
		t.Error("New accepted one name in Rules and ContextRules")
	}
}
