package validate_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/lambdasec/lambdasec/password"
	"github.com/lambdasec/lambdasec/validate"
)

// A password policy checked inside validation, with the user's email as a
// context word, and the policy's stable codes in the answer.
func ExampleConfig_contextRules() {
	v, err := validate.New(validate.Config{
		ContextRules: map[string]func(string, ...string) error{
			"password": password.NIST().Check, // no glue: Check has the rule's shape
		},
	})
	if err != nil {
		panic(err)
	}
	type Signup struct {
		Email    string `json:"email" validate:"required,email,max=254"`
		Password string `json:"password" validate:"required,password=Email"`
	}
	h := validate.JSON(v, func(w http.ResponseWriter, r *http.Request, in Signup) {
		w.WriteHeader(http.StatusCreated)
	})
	for _, body := range []string{
		`{"email":"margaret@example.com","password":"margaret-likes-apollo"}`,
		`{"email":"margaret@example.com","password":"quiet-zebrafish-lantern"}`,
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, post(body))
		fmt.Print(rec.Code, " ", rec.Body.String())
		fmt.Println()
	}
	// Output:
	// 422 {"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"1 field failed validation","errors":[{"field":"password","rule":"password","param":"email","message":"must not contain your name, email address or the name of this service","codes":["contains_context"]}]}
	//
	// 201
}

// Words the body does not hold, such as the signed-in user's name when
// they change their password, travel in the request's context.
func ExampleWithContextWords() {
	v, _ := validate.New(validate.Config{
		ContextRules: map[string]func(string, ...string) error{"password": password.NIST().Check},
	})
	type Change struct {
		Password string `json:"password" validate:"required,password"`
	}
	r := post(`{"password":"grace-hopper-rocks-2026"}`)
	r = r.WithContext(validate.WithContextWords(r.Context(), "Grace Hopper", "grace@example.com"))
	var in Change
	err := v.DecodeJSON(r, &in)
	fmt.Println(err)
	fmt.Println(validate.StatusCode(err))
	// Output:
	// validate: invalid request: password must not contain your name, email address or the name of this service
	// 422
}
