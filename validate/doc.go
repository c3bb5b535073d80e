// Package validate decodes and validates HTTP requests and answers bad ones
// with RFC 9457 problem details, so a handler only ever sees well-formed,
// valid input.
//
// It is meant to be the first thing a handler does. API Gateway checks
// little on its own (HTTP APIs nothing; REST API validators skip bodies
// whose Content-Type has no model and only check parameters for
// presence), so the function behind it must.
//
//	v, err := validate.New(validate.Config{MaxBodyBytes: 64 << 10})
//	...
//	type Login struct {
//		Email    string `json:"email" validate:"required,email,max=254"`
//		Password string `json:"password" validate:"required,min=8,max=100"`
//	}
//	if err := v.Register(Login{}); err != nil { // tag typos fail here
//		log.Fatal(err)
//	}
//	mux.Handle("POST /login", validate.JSON(v, func(w http.ResponseWriter, r *http.Request, in Login) {
//		// in is decoded and valid.
//	}))
//
// # Security model
//
// Everything a client sends is untrusted. [Validator.DecodeJSON] is
// stricter than encoding/json, closing the gaps that let two parsers (a
// gateway or WAF and this handler) disagree about one request:
//
//   - duplicate member names are rejected, not resolved to the last one;
//   - member names must match exactly; "EMAIL" does not fill "email";
//   - invalid UTF-8 and unpaired surrogate escapes are rejected, not
//     replaced with U+FFFD (which would make different byte strings equal);
//   - unknown members, data after the JSON value and null bodies are
//     rejected;
//   - the body size ([Config.MaxBodyBytes]), nesting depth
//     ([Config.MaxDepth]) and number of reported problems are bounded.
//
// [Validator.DecodeQuery] rejects unknown and repeated parameters the same
// way. Answers never contain a submitted value: a failed rule is reported
// by field name, rule and parameter, so a rejected password is never
// echoed to the client or into logs. Client-chosen names (an unknown
// member, a map key, a query parameter name) are echoed, shortened to 200
// bytes; in an error's Error text, which applications log, their
// unprintable characters (newlines, escape sequences, bidirectional
// controls, invalid UTF-8) are escaped as in a Go string literal.
//
// # Rules
//
// Validation uses the validate tags of go-playground/validator v10 with
// required-on-struct enabled. Field names in errors are those the client
// used: the json (or query, or path) tag name, with JSON paths such as
// "items[2].qty"; Go field and type names never appear, including in the
// parameters of cross-field rules such as eqfield.
//
// `required` fails on a zero value, so on a bool it rejects false. To
// require that a client sends a bool, whatever its value, make the field a
// pointer: nil means absent, and a pointer to false passes. The same goes
// for numbers where 0 is valid.
//
//	Remember *bool `json:"remember" validate:"required"`
//
// [Config.Rules] plugs in rules of your own by tag name. Their error
// messages reach the client; a rule reports several unmet conditions at
// once by returning [Messages] or any error with a Messages() []string
// method, and stable codes through a Codes method ([FieldError.Codes]).
//
// [Config.ContextRules] adds rules that also receive context words, the
// shape of a password policy's check: password.NIST().Check plugs in as
// is. The tag names sibling fields whose values are words the value must
// not contain, and [WithContextWords] adds words from the request, so a
// password is checked against the user's own email and name inside
// validation, and each unmet rule reaches the client with its code
// ("too_short", "common", "contains_context"):
//
//	Email    string `json:"email" validate:"required,email,max=254"`
//	Password string `json:"password" validate:"required,password=Email"`
//
// # Errors
//
// Failures wrap the sentinels [ErrUnsupportedMediaType] (415),
// [ErrBodyTooLarge] (413), [ErrMalformed] (400) and [ErrInvalid] (422);
// per-field problems come as a [*FieldErrors]. [WriteError] writes any of
// them as application/problem+json with the right status, and anything
// else as a bare 500, so a service can send all its errors through it.
//
// # What you still have to do
//
//   - Pick a small [Config.MaxBodyBytes] for each route's Validator: a
//     login body fits in 4 KiB.
//   - Register every request type at start-up with [Validator.Register].
//   - Put a max on every string and slice: `max=254` on emails (the email
//     rule has no length limit of its own), `max` after `dive`.
//   - Normalise values (case-fold emails) before using them as keys.
package validate
