package validate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"sync"

	"github.com/go-playground/validator/v10"
)

// Config configures a [Validator]. The zero value is usable: 1 MiB bodies,
// 32 levels of nesting, the built-in rules of go-playground/validator and
// unknown query parameters rejected.
type Config struct {
	// MaxBodyBytes caps the request body [Validator.DecodeJSON] reads.
	// Zero means 1 MiB; negative is an error. Keep it small per route
	// (a login body fits in 4 KiB): it also bounds the CPU a request can
	// make the decoder, and any password hashing after it, spend.
	MaxBodyBytes int64

	// MaxDepth caps how deeply JSON objects and arrays may nest. Zero
	// means 32; negative is an error.
	MaxDepth int

	// Rules adds validation rules usable in validate tags under their map
	// key, such as "password" for `validate:"password"`. A rule receives
	// the field's string value (it may only be put on string fields,
	// pointers to them, or after dive on string elements) and returns nil
	// to accept it. A rejection's text reaches the client: see [Messages]
	// for how to report several reasons at once. A name must be new: it
	// cannot replace a built-in rule such as "email". Rules must be safe
	// for concurrent use.
	Rules map[string]func(string) error

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

	// Logger receives rejections at debug level (field names and rule
	// codes, never values) and destination-type errors at error level.
	// Nil means no logging.
	Logger *slog.Logger
}

// Validator decodes and validates requests. Create one with [New] at start-
// up and share it: it is safe for concurrent use. The zero Validator is not
// usable: its methods return an error wrapping [ErrInvalidType], and the
// handlers of [JSON] and [Query] answer 500.
type Validator struct {
	maxBody           int64
	maxDepth          int
	rules             map[string]func(string) error
	messages          map[string]string
	allowUnknownQuery bool
	errorHandler      func(http.ResponseWriter, *http.Request, error)
	log               *slog.Logger

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
	v := &Validator{
		maxBody:           cfg.MaxBodyBytes,
		maxDepth:          cfg.MaxDepth,
		allowUnknownQuery: cfg.AllowUnknownQuery,
		errorHandler:      cfg.ErrorHandler,
		log:               cfg.Logger,
	}
	switch {
	case v.maxBody < 0:
		return nil, fmt.Errorf("validate: MaxBodyBytes %d is negative", v.maxBody)
	case v.maxBody == 0:
		v.maxBody = 1 << 20
	}
	switch {
	case v.maxDepth < 0:
		return nil, fmt.Errorf("validate: MaxDepth %d is negative", v.maxDepth)
	case v.maxDepth == 0:
		v.maxDepth = 32
	}
	if v.errorHandler == nil {
		v.errorHandler = WriteError
	}
	if v.log == nil {
		v.log = slog.New(slog.DiscardHandler)
	}

	v.v = validator.New(validator.WithRequiredStructEnabled(), validator.WithTagNameFuncBlankOmit())
	v.v.RegisterTagNameFunc(clientName)

	v.rules = make(map[string]func(string) error, len(cfg.Rules))
	for tag, fn := range cfg.Rules {
		if err := checkRuleName(v.v, tag); err != nil {
			return nil, err
		}
		if fn == nil {
			return nil, fmt.Errorf("validate: rule %q is nil", tag)
		}
		v.rules[tag] = fn
		if err := v.v.RegisterValidationCtx(tag, ruleFunc(tag, fn)); err != nil {
			return nil, fmt.Errorf("validate: rule %q: %v", tag, err)
		}
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
		return fmt.Errorf("%w: %v", ErrInvalidType, err)
	}
	fe := &FieldErrors{kind: ErrInvalid}
	for _, e := range ves {
		field := fieldPath(e.Namespace(), e.Field())
		tag := e.Tag()
		if fn, ok := v.rules[tag]; ok {
			for _, m := range v.ruleFailure(c, tag, e.Value(), fn) {
				fe.add(FieldError{Field: field, Rule: tag, Message: m})
			}
			continue
		}
		param := clientParam(root, e)
		fe.add(FieldError{Field: field, Rule: tag, Param: param, Message: v.message(e, param)})
	}
	return fe
}
