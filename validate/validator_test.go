package validate_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lambdasec/lambdasec/validate"
)

func TestNewConfig(t *testing.T) {
	ok := func(string) error { return nil }
	tests := []struct {
		name    string
		cfg     validate.Config
		wantErr string
	}{
		{name: "zero", cfg: validate.Config{}},
		{name: "rule", cfg: validate.Config{Rules: map[string]func(string) error{"password": ok}}},
		{name: "negative body", cfg: validate.Config{MaxBodyBytes: -1}, wantErr: "MaxBodyBytes"},
		{name: "negative depth", cfg: validate.Config{MaxDepth: -1}, wantErr: "MaxDepth"},
		// A custom rule must not silently change what a built-in means.
		{name: "shadows built-in", cfg: validate.Config{Rules: map[string]func(string) error{"email": ok}}, wantErr: "built-in"},
		{name: "shadows built-in with parameter", cfg: validate.Config{Rules: map[string]func(string) error{"min": ok}}, wantErr: "built-in"},
		{name: "shadows alias", cfg: validate.Config{Rules: map[string]func(string) error{"iscolor": ok}}, wantErr: "built-in"},
		{name: "reserved", cfg: validate.Config{Rules: map[string]func(string) error{"omitempty": ok}}, wantErr: "reserved"},
		{name: "comma", cfg: validate.Config{Rules: map[string]func(string) error{"a,b": ok}}, wantErr: "reserved characters"},
		{name: "empty name", cfg: validate.Config{Rules: map[string]func(string) error{"": ok}}, wantErr: "empty"},
		{name: "nil rule", cfg: validate.Config{Rules: map[string]func(string) error{"x": nil}}, wantErr: "nil"},
		{name: "empty message", cfg: validate.Config{RuleMessages: map[string]string{"required": ""}}, wantErr: "empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := validate.New(tc.cfg)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("got %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), "validate: ") {
				t.Fatalf("got %v, want an error about %q", err, tc.wantErr)
			}
		})
	}
}

type typo struct {
	Email string `json:"email" validate:"requird"`
}

type nestedTypo struct {
	Lines []struct {
		Qty int `json:"qty" validate:"gte=one"`
	} `json:"lines"`
}

type ruleOnInt struct {
	N int `json:"n" validate:"pw"`
}

type ruleAfterDive struct {
	Names []string `json:"names" validate:"dive,pw"`
}

type badQuery struct {
	M map[string]string `query:"m"`
}

type badLayout struct {
	T string `query:"t" layout:"2006"`
}

type noElements struct {
	T fmt.Stringer `query:"t"`
}

func TestRegister(t *testing.T) {
	v := mustNew(t, validate.Config{Rules: map[string]func(string) error{"pw": digitRule, "digits": digitRule}})
	tests := []struct {
		name    string
		value   any
		wantErr string
	}{
		{name: "good", value: order{}},
		{name: "pointer", value: &order{}},
		{name: "rule after dive on strings", value: ruleAfterDive{}},
		{name: "typo", value: typo{}, wantErr: "requird"},
		// Only reachable through a slice: go-playground would panic on
		// the first request that has a line.
		{name: "typo in nested slice type", value: nestedTypo{}, wantErr: `"one"`},
		{name: "rule on int", value: ruleOnInt{}, wantErr: "needs a string"},
		{name: "unsupported query type", value: badQuery{}, wantErr: "cannot hold a parameter"},
		{name: "layout on string", value: badLayout{}, wantErr: "layout"},
		{name: "interface query field", value: noElements{}, wantErr: "cannot hold"},
		{name: "not a struct", value: 3, wantErr: "not a struct"},
		{name: "nil", value: nil, wantErr: "nil"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := v.Register(tc.value)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("got %v", err)
				}
				return
			}
			if !errors.Is(err, validate.ErrInvalidType) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got %v, want ErrInvalidType about %q", err, tc.wantErr)
			}
		})
	}
}

// A type that was never registered fails at first use with the same error,
// and the client sees a bare 500.
func TestUnregisteredBadTypeIs500(t *testing.T) {
	var logs bytes.Buffer
	v := mustNew(t, validate.Config{Logger: slogDebug(&logs)})
	var x typo
	err := v.DecodeJSON(jsonRequest("POST", `{"email":"x"}`), &x)
	if !errors.Is(err, validate.ErrInvalidType) {
		t.Fatalf("got %v", err)
	}
	h := validate.JSON(v, func(w http.ResponseWriter, r *http.Request, _ typo) { t.Error("handler called") })
	rec, p := serve(t, h, jsonRequest("POST", `{"email":"x"}`))
	if rec.Code != 500 || p.Detail != "" || p.Errors != nil {
		t.Fatalf("got %d %+v", rec.Code, p)
	}
	if !strings.Contains(logs.String(), "requird") {
		t.Errorf("the cause was not logged: %s", logs.String())
	}
	for _, dst := range []any{nil, x, new(int), (*typo)(nil)} {
		if err := v.DecodeJSON(jsonRequest("POST", `{}`), dst); !errors.Is(err, validate.ErrInvalidType) {
			t.Errorf("%T: got %v", dst, err)
		}
		if err := v.DecodeQuery(httptest.NewRequest("GET", "/", nil), dst); !errors.Is(err, validate.ErrInvalidType) {
			t.Errorf("%T: got %v", dst, err)
		}
	}
}

func TestMessagesOverride(t *testing.T) {
	v := mustNew(t, validate.Config{
		Rules:        map[string]func(string) error{"pw": digitRule},
		RuleMessages: map[string]string{"min": "needs {param} or more", "pw": "is too weak"},
	})
	type in struct {
		Name string `json:"name" validate:"min=3"`
		Pw   string `json:"pw" validate:"pw"`
	}
	var x in
	err := v.DecodeJSON(jsonRequest("POST", `{"name":"ab","pw":"x"}`), &x)
	var fe *validate.FieldErrors
	if !errors.As(err, &fe) || len(fe.Errors) != 2 {
		t.Fatalf("got %v", err)
	}
	if fe.Errors[0].Message != "needs 3 or more" || fe.Errors[0].Param != "3" || fe.Errors[1].Message != "is too weak" {
		t.Fatalf("got %+v", fe.Errors)
	}
}

// ruleError is how another package's policy error looks: a typed error
// listing reasons, wrapped by the caller.
type ruleError struct{ reasons []string }

func (e *ruleError) Error() string      { return "policy: " + strings.Join(e.reasons, ", ") }
func (e *ruleError) Messages() []string { return e.reasons }

func TestRuleErrorShapes(t *testing.T) {
	v := mustNew(t, validate.Config{Rules: map[string]func(string) error{
		"typed": func(string) error {
			return fmt.Errorf("wrapped: %w", &ruleError{[]string{"is too short", "is too common"}})
		},
		"plain":   func(string) error { return errors.New("must be a prime") },
		"empty":   func(string) error { return validate.Messages{} },
		"ptrrule": func(s string) error { return validate.Messages{"bad " + fmt.Sprint(len(s))} },
	}})
	type in struct {
		A string  `json:"a" validate:"typed"`
		B string  `json:"b" validate:"plain"`
		C string  `json:"c" validate:"empty"`
		D *string `json:"d" validate:"omitnil,ptrrule"`
	}
	var x in
	err := v.DecodeJSON(jsonRequest("POST", `{"d":"xyz"}`), &x)
	var fe *validate.FieldErrors
	if !errors.As(err, &fe) {
		t.Fatalf("got %v", err)
	}
	var got []string
	for _, e := range fe.Errors {
		got = append(got, e.Field+"/"+e.Rule+"/"+e.Message)
	}
	want := []string{"a/typed/is too short", "a/typed/is too common", "b/plain/must be a prime", "c/empty/is not valid", "d/ptrrule/bad 3"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

func TestStruct(t *testing.T) {
	v := mustNew(t, validate.Config{})
	type in struct {
		Email string `json:"email" validate:"required,email"`
	}
	if err := v.Struct(in{Email: "a@example.com"}); err != nil {
		t.Fatal(err)
	}
	err := v.Struct(&in{})
	var fe *validate.FieldErrors
	if !errors.As(err, &fe) || !errors.Is(err, validate.ErrInvalid) || fe.Errors[0].Field != "email" {
		t.Fatalf("got %v", err)
	}
	if err := v.Struct("x"); !errors.Is(err, validate.ErrInvalidType) {
		t.Fatalf("got %v", err)
	}
}

func TestMaxFieldErrors(t *testing.T) {
	v := mustNew(t, validate.Config{})
	type in struct {
		N []int `json:"n" validate:"dive,gte=1"`
	}
	var b strings.Builder
	b.WriteString(`{"n":[0`)
	for range 500 {
		b.WriteString(`,0`)
	}
	b.WriteString(`],"x":1,"y":2}`)
	var x in
	var fe *validate.FieldErrors
	if err := v.DecodeJSON(jsonRequest("POST", b.String()), &x); !errors.As(err, &fe) || len(fe.Errors) != 2 {
		t.Fatalf("got %v", err)
	}
	b.Reset()
	b.WriteString(`{"n":[0`)
	for range 500 {
		b.WriteString(`,0`)
	}
	b.WriteString(`]}`)
	if err := v.DecodeJSON(jsonRequest("POST", b.String()), &x); !errors.As(err, &fe) || len(fe.Errors) != 100 {
		t.Fatalf("got %d errors, want 100", len(fe.Errors))
	}
}

// A Validator that New did not make fails closed with an error, never a
// panic: a nil pointer dereference would take the Lambda invocation down.
func TestZeroValidator(t *testing.T) {
	type in struct {
		A string `json:"a" query:"a" validate:"required"`
	}
	for _, v := range []*validate.Validator{{}, nil} {
		var x in
		if err := v.DecodeJSON(jsonRequest(http.MethodPost, `{"a":"b"}`), &x); !errors.Is(err, validate.ErrInvalidType) {
			t.Errorf("DecodeJSON: got %v, want ErrInvalidType", err)
		}
		if err := v.DecodeQuery(httptest.NewRequest(http.MethodGet, "/?a=b", nil), &x); !errors.Is(err, validate.ErrInvalidType) {
			t.Errorf("DecodeQuery: got %v, want ErrInvalidType", err)
		}
		if err := v.Struct(&x); !errors.Is(err, validate.ErrInvalidType) {
			t.Errorf("Struct: got %v, want ErrInvalidType", err)
		}
		if err := v.Register(in{}); !errors.Is(err, validate.ErrInvalidType) {
			t.Errorf("Register: got %v, want ErrInvalidType", err)
		}
		called := false
		for _, h := range []http.Handler{
			validate.JSON(v, func(http.ResponseWriter, *http.Request, in) { called = true }),
			validate.Query(v, func(http.ResponseWriter, *http.Request, in) { called = true }),
		} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, jsonRequest(http.MethodPost, `{"a":"b"}`))
			if rec.Code != http.StatusInternalServerError || called {
				t.Errorf("handler: got %d (called %v), want 500 without calling h", rec.Code, called)
			}
		}
	}
}
