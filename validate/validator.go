package validate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
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

// typeEntry is everything learnt about a destination type at registration.
type typeEntry struct {
	err   error
	json  *jtype
	query []qfield
	// ownDecoders is set when the type reaches a json.Unmarshaler or
	// encoding.TextUnmarshaler, which get slices of the request body.
	ownDecoders bool
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

// clientName is the name a client uses for a struct field: its query or
// path parameter name, else its JSON name. Embedded structs are flattened,
// as encoding/json does, and json:"-" fields have no name.
func clientName(f reflect.StructField) string {
	if n := tagName(f.Tag.Get("query")); n != "" {
		return n
	}
	if n := tagName(f.Tag.Get("path")); n != "" {
		return n
	}
	tag, ok := f.Tag.Lookup("json")
	if tag == "-" {
		return ""
	}
	if n := tagName(tag); n != "" {
		return n
	}
	if f.Anonymous && (!ok || tag == "" || tag[0] == ',') && isStructLike(f.Type) {
		return ""
	}
	return f.Name
}

func tagName(tag string) string {
	name, _, _ := strings.Cut(tag, ",")
	if name == "-" && !strings.Contains(tag, ",") {
		return ""
	}
	return name
}

func isStructLike(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() == reflect.Struct
}

// Register checks the struct tags of each value's type (and of every
// struct type reachable from it) and prepares its decoder, so a typo in a
// tag is an error at start-up rather than at the first request. Pass
// values or pointers: v.Register(Login{}, Search{}). Types not registered
// are checked at first use, and a failure is then returned by every decode
// into that type. The error wraps [ErrInvalidType].
func (v *Validator) Register(values ...any) error {
	var errs []error
	for _, x := range values {
		t := reflect.TypeOf(x)
		if t != nil && t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t == nil {
			errs = append(errs, fmt.Errorf("%w: nil", ErrInvalidType))
			continue
		}
		if e := v.entry(t); e.err != nil {
			errs = append(errs, e.err)
		}
	}
	return errors.Join(errs...)
}

// entry returns the checked description of struct type t, building it once.
func (v *Validator) entry(t reflect.Type) *typeEntry {
	if v == nil || v.v == nil {
		return &typeEntry{err: errNotNew()}
	}
	if e, ok := v.types.Load(t); ok {
		return e.(*typeEntry)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if e, ok := v.types.Load(t); ok {
		return e.(*typeEntry)
	}
	e := v.build(t)
	if e.err != nil {
		e.err = fmt.Errorf("%w: %s: %v", ErrInvalidType, t, e.err)
	}
	v.types.Store(t, e)
	return e
}

func (v *Validator) build(t reflect.Type) *typeEntry {
	e := &typeEntry{}
	if t.Kind() != reflect.Struct {
		e.err = errors.New("not a struct")
		return e
	}
	if err := v.checkTags(t); err != nil {
		e.err = err
		return e
	}
	e.json = jsonTypeOf(t)
	e.ownDecoders = e.json.hasOwnDecoders(map[*jtype]bool{})
	e.query, e.err = queryFields(t)
	return e
}

// checkTags makes go-playground parse every validate tag reachable from t
// (it would otherwise panic on a typo at first use) and checks that custom
// rules sit on strings.
func (v *Validator) checkTags(root reflect.Type) (err error) {
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type) error
	walk = func(t reflect.Type) error {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
			if t.Kind() == reflect.Map {
				if err := walk(t.Key()); err != nil {
					return err
				}
			}
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return nil
		}
		seen[t] = true
		if err := v.warm(t); err != nil {
			return err
		}
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() && !f.Anonymous {
				continue
			}
			if err := v.checkRuleKinds(f); err != nil {
				return err
			}
			if err := walk(f.Type); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(root)
}

// warm validates a zero t so go-playground parses and caches its tags,
// turning its panic on a bad tag into an error.
func (v *Validator) warm(t reflect.Type) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	_ = v.v.Struct(reflect.New(t).Interface())
	return nil
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

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
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
	return v.validate(s, rv.Type())
}

// validate runs go-playground on s (a struct or pointer to one of type
// root) and converts its errors.
func (v *Validator) validate(s any, root reflect.Type) error {
	var c *collector
	ctx := context.Background()
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

// fieldPath turns go-playground's "Type.items[2].qty" into "items[2].qty".
func fieldPath(ns, field string) string {
	_, rest, ok := strings.Cut(ns, ".")
	if !ok || rest == "" {
		rest = field
	}
	return clip(rest)
}

// clip bounds a client-chosen name (unknown keys, map keys) in answers.
func clip(s string) string {
	const max = 200
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	return s[:i] + "…"
}
