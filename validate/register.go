package validate

import (
	"errors"
	"fmt"
	"reflect"
)

// typeEntry is everything learnt about a destination type at registration.
type typeEntry struct {
	err   error
	json  *jtype
	query []qfield
	// ownDecoders is set when the type reaches a json.Unmarshaler or
	// encoding.TextUnmarshaler, which get slices of the request body.
	ownDecoders bool
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
		e.err = fmt.Errorf("%w: %s: %w", ErrInvalidType, t, e.err)
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
			if err := v.checkRuleKinds(t, f); err != nil {
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
