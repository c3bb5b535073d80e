package validate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"sync"

	"github.com/go-playground/validator/v10"

	"github.com/lambdasec/lambdasec/secevent"
)

// Defaults for a zero [Config].
const (
	// DefaultMaxBodyBytes is the body cap when [Config.MaxBodyBytes] is
	// zero: 1 MiB.
	DefaultMaxBodyBytes = 1 << 20
	// DefaultMaxDepth is the nesting cap when [Config.MaxDepth] is zero.
	DefaultMaxDepth = 32
)

// Config configures a [Validator]. The zero value is usable: 1 MiB bodies,
// 32 levels of nesting, the built-in rules of go-playground/validator and
// unknown query parameters rejected.
type Config struct {
	// MaxBodyBytes caps the request body [Validator.DecodeJSON] reads.
	// Zero means [DefaultMaxBodyBytes] (1 MiB); negative is an error.
	// Keep it small per route (a login body fits in 4 KiB): it also
	// bounds the CPU a request can make the decoder, and any password
	// hashing after it, spend.
	MaxBodyBytes int64

	// MaxDepth caps how deeply JSON objects and arrays may nest. Zero
	// means [DefaultMaxDepth] (32); negative is an error.
	MaxDepth int

	// Rules adds validation rules usable in validate tags under their map
	// key, such as "password" for `validate:"password"`. A rule receives
	// the field's string value (it may only be put on string fields,
	// pointers to them, or after dive on string elements) and returns nil
	// to accept it. A rejection's text reaches the client: see [Messages]
	// for how to report several reasons at once, and [FieldError.Codes]
	// for stable codes. A name must be new: it cannot replace a built-in
	// rule such as "email". Rules must be safe for concurrent use.
	Rules map[string]func(string) error

	// ContextRules adds rules that also receive context words: words the
	// value must not contain, such as the user's email or name in their
	// password. The signature is that of password.Policy.Check, so
	//
	//	ContextRules: map[string]func(string, ...string) error{
	//		"password": password.NIST().Check,
	//	}
	//
	// needs no glue. In a tag, the rule's parameter names sibling fields
	// by Go name, separated by spaces, whose values are context words
	// (`validate:"password=Email Name"`); words put in the request's
	// context with [WithContextWords] are added. Otherwise these rules
	// are like Rules, and share their names.
	ContextRules map[string]func(value string, context ...string) error

	// RuleMessages replaces the English message for a rule, keyed by tag
	// ("required", "email", or a name from Rules). "{param}" in the text is
	// replaced by the tag's parameter. Zero means the built-in messages.
	RuleMessages map[string]string

	// AllowUnknownQuery makes [Validator.DecodeQuery] ignore query
	// parameters that no field names. By default they are rejected with
	// status 400, like unknown JSON fields.
	AllowUnknownQuery bool

	// ErrorHandler answers requests that [JSON] and [Query] reject. Nil
	// means [WriteError].
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)

	// Logger receives the requests [JSON] and [Query] reject, at debug
	// level (status, path, field names and rule codes, never values), and
	// destination types that cannot be decoded, at error level. Nil means
	// slog.Default().
	Logger *slog.Logger

	// Events receives an input_validation_fail security event (package
	// secevent) for each request [Validator.DecodeJSON] or
	// [Validator.DecodeQuery] refuses, with the client address, the route
	// and the reason ("media_type", "too_large", "malformed" or
	// "invalid") and the names of the offending fields, never their
	// values. Nil means none.
	Events secevent.Sink
}

// Validator decodes and validates requests. Create one with [New] at start-
// up and share it: it is safe for concurrent use. The zero Validator is not
// usable: its methods return an error wrapping [ErrInvalidType], and the
// handlers of [JSON] and [Query] answer 500.
type Validator struct {
	maxBody           int64
	maxDepth          int
	rules             map[string]rule // by tag: Rules and ContextRules
	messages          map[string]string
	allowUnknownQuery bool
	errorHandler      func(http.ResponseWriter, *http.Request, error)
	log               *slog.Logger
	events            secevent.Sink

	v     *validator.Validate
	types sync.Map // reflect.Type -> *typeEntry
	mu    sync.Mutex
	bufs  sync.Pool // *[]byte request bodies
}

// errNotNew is the error of a Validator that New did not make.
func errNotNew() error {
	return fmt.Errorf("%w: Validator not created with New", ErrInvalidType)
}

// New returns a Validator for cfg. It fails if a setting is out of range
// or a rule name is unusable.
func New(cfg Config) (*Validator, error) {
	switch {
	case cfg.MaxBodyBytes < 0:
		return nil, fmt.Errorf("validate: MaxBodyBytes %d is negative", cfg.MaxBodyBytes)
	case cfg.MaxDepth < 0:
		return nil, fmt.Errorf("validate: MaxDepth %d is negative", cfg.MaxDepth)
	}
	v := &Validator{
		maxBody:           cmp.Or(cfg.MaxBodyBytes, DefaultMaxBodyBytes),
		maxDepth:          cmp.Or(cfg.MaxDepth, DefaultMaxDepth),
		allowUnknownQuery: cfg.AllowUnknownQuery,
		errorHandler:      cfg.ErrorHandler,
		log:               cmp.Or(cfg.Logger, slog.Default()),
		events:            cfg.Events,
	}
	if v.errorHandler == nil { // a func is not comparable: no cmp.Or
		v.errorHandler = WriteError
	}
	v.v = validator.New(validator.WithRequiredStructEnabled(), validator.WithTagNameFuncBlankOmit())
	v.v.RegisterTagNameFunc(clientName)
	if err := v.addRules(cfg.Rules, cfg.ContextRules); err != nil {
		return nil, err
	}
	v.messages = make(map[string]string, len(cfg.RuleMessages))
	for tag, msg := range cfg.RuleMessages {
		if msg == "" {
			return nil, fmt.Errorf("validate: message for %q is empty", tag)
		}
		v.messages[tag] = msg
	}
	return v, nil
}

// Struct validates a value the caller decoded some other way. It returns
// nil, a [*FieldErrors] wrapping [ErrInvalid], or an error wrapping
// [ErrInvalidType] if s is not a struct or pointer to one or has bad tags.
func (v *Validator) Struct(s any) error {
	rv := reflect.ValueOf(s)
	for rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return fmt.Errorf("%w: %T is not a struct", ErrInvalidType, s)
	}
	e := v.entry(rv.Type())
	if e.err != nil {
		return e.err
	}
	return v.validate(context.Background(), s, rv.Type())
}

// validate runs go-playground on s (a struct or pointer to one of type
// root) and converts its errors. ctx is the request's: rules may read
// from it.
func (v *Validator) validate(ctx context.Context, s any, root reflect.Type) error {
	var c *collector
	if len(v.rules) > 0 {
		c = &collector{}
		ctx = context.WithValue(ctx, collectorKey{}, c)
	}
	err := v.v.StructCtx(ctx, s)
	if err == nil {
		return nil
	}
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		return fmt.Errorf("%w: %w", ErrInvalidType, err)
	}
	fe := &FieldErrors{kind: ErrInvalid}
	for _, e := range ves {
		field := fieldPath(e.Namespace(), e.Field())
		tag := e.Tag()
		if r, ok := v.rules[tag]; ok {
			var param string
			if r.withContext {
				param = clientFields(root, e)
			}
			for _, re := range v.ruleFailure(c, tag, e.Value()) {
				fe.add(FieldError{Field: field, Rule: tag, Param: param, Message: re.msg, Codes: re.codes})
			}
			continue
		}
		param := clientParam(root, e)
		fe.add(FieldError{Field: field, Rule: tag, Param: param, Message: v.message(e, param)})
	}
	return fe
}
