package validate

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/lambdasec/lambdasec/internal/strictjson"
)

// DecodeJSON reads the request body as JSON into dst, a non-nil pointer to
// a struct, then validates dst by its validate tags. In order:
//
//   - The Content-Type must be application/json or application/*+json
//     (parameters allowed, but a charset must be UTF-8), and no
//     Content-Encoding may be set; else [ErrUnsupportedMediaType] (415).
//   - The body is read through [http.MaxBytesReader]; a longer body than
//     [Config.MaxBodyBytes] is [ErrBodyTooLarge] (413).
//   - The body must be exactly one JSON object: empty bodies, syntax
//     errors (reported with their byte offset), invalid UTF-8, unpaired
//     surrogate escapes, nesting deeper than [Config.MaxDepth] and data
//     after the object are [ErrMalformed] (400).
//   - Member names must match a field's JSON name exactly, once: unknown
//     names (including case variants, which encoding/json would accept),
//     duplicate names (where encoding/json would keep the last) and values
//     of the wrong type are a [*FieldErrors] wrapping [ErrMalformed]
//     (400), naming each by its path, such as "items[2].qty".
//   - The decoded value is validated; every failed rule is listed in a
//     [*FieldErrors] wrapping [ErrInvalid] (422).
//
// JSON null is accepted for any field and leaves it unchanged, as in
// encoding/json. dst holds the decoded request when the error is nil or
// wraps [ErrInvalid] (so further checks can add to the [*FieldErrors]);
// after any other error do not use it (it is usually untouched, but a
// value that only encoding/json refuses, such as the contents of a
// `json:",string"` field, can leave it partly filled). An unusable dst type wraps
// [ErrInvalidType]. No error text includes a submitted value.
func (v *Validator) DecodeJSON(r *http.Request, dst any) error {
	err := v.decodeJSON(r, dst)
	v.report(r, "body", err)
	return err
}

func (v *Validator) decodeJSON(r *http.Request, dst any) error {
	rv, e, err := v.target(dst)
	if err != nil {
		return err
	}
	if err := checkContentType(r.Header); err != nil {
		return err
	}
	buf, err := v.readBody(r)
	if err != nil {
		return err
	}
	if !e.ownDecoders {
		// Reuse the buffer only when nothing but encoding/json sees it:
		// a type's own decoder may keep the bytes it is given (against
		// the json.Unmarshaler contract, but harmless without pooling),
		// and the next request would overwrite them.
		defer v.putBuffer(buf)
	}

	d := scanner{Scanner: strictjson.Scanner{Data: *buf, MaxDepth: v.maxDepth}}
	if err := d.scan(e.json); err != nil {
		return err
	}
	if err := json.Unmarshal(*buf, dst); err != nil {
		// The scan accepts nothing encoding/json refuses except values an
		// UnmarshalJSON method rejects on a second look, or `,string`
		// contents; say which field when encoding/json knows.
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return &FieldErrors{kind: ErrMalformed, Errors: []FieldError{{Field: clip(te.Field), Rule: "type", Message: "has the wrong type"}}}
		}
		return newError(ErrMalformed, "request body does not match the expected structure")
	}
	return v.validate(r.Context(), dst, rv.Type())
}

// target checks that dst is a non-nil pointer to a struct and returns the
// struct and its description.
func (v *Validator) target(dst any) (reflect.Value, *typeEntry, error) {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return reflect.Value{}, nil, fmt.Errorf("%w: need a non-nil pointer to a struct, got %T", ErrInvalidType, dst)
	}
	e := v.entry(rv.Elem().Type())
	if e.err != nil {
		return reflect.Value{}, nil, e.err
	}
	return rv.Elem(), e, nil
}

// checkContentType accepts application/json and application/*+json with any
// parameters but a charset other than UTF-8 (RFC 8259 §8.1), and no
// content coding.
func checkContentType(h http.Header) error {
	// Every line counts, not just the first that Header.Get returns: a
	// gateway or WAF in front may have read another one.
	for _, ce := range h.Values("Content-Encoding") {
		if ce != "" && !strings.EqualFold(ce, "identity") {
			return newError(ErrUnsupportedMediaType, "Content-Encoding is not supported")
		}
	}
	const want = "Content-Type must be application/json"
	cts := h.Values("Content-Type")
	if len(cts) != 1 {
		return newError(ErrUnsupportedMediaType, want)
	}
	ct := cts[0]
	// Fast path for the usual spellings.
	if ct == "application/json" || ct == "application/json; charset=utf-8" || ct == "application/json;charset=UTF-8" {
		return nil
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return newError(ErrUnsupportedMediaType, want)
	}
	if mt != "application/json" && !(strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json") && len(mt) > len("application/+json")) {
		return newError(ErrUnsupportedMediaType, want)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return newError(ErrUnsupportedMediaType, want+" in UTF-8")
	}
	return nil
}

// maxPreallocate bounds what a request's Content-Length can make readBody
// allocate before any of the body has arrived.
const maxPreallocate = 1 << 20

// maxPooled is the largest body buffer kept for reuse. Decoded values
// never alias the buffer: encoding/json copies strings and raw messages.
const maxPooled = 64 << 10

func (v *Validator) getBuffer() *[]byte {
	if b, ok := v.bufs.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, 0, 1024)
	return &b
}

func (v *Validator) putBuffer(b *[]byte) {
	if cap(*b) <= maxPooled {
		*b = (*b)[:0]
		v.bufs.Put(b)
	}
}

// readBody reads at most v.maxBody bytes of the body.
func (v *Validator) readBody(r *http.Request) (*[]byte, error) {
	tooLarge := func() error {
		return newError(ErrBodyTooLarge, "request body is larger than "+strconv.FormatInt(v.maxBody, 10)+" bytes")
	}
	if r.ContentLength > v.maxBody {
		return nil, tooLarge()
	}
	buf := v.getBuffer()
	if r.Body == nil {
		return buf, nil
	}
	if r.ContentLength > 0 {
		// Content-Length is only the client's claim: reserve up to
		// maxPreallocate for it and let larger bodies grow as they arrive.
		*buf = slices.Grow(*buf, int(min(r.ContentLength, maxPreallocate))+1)
	}
	body := http.MaxBytesReader(nil, r.Body, v.maxBody)
	b := *buf
	for {
		if len(b) == cap(b) {
			b = slices.Grow(b, len(b)+1) // let append pick the growth
		}
		n, err := body.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			*buf = b
			v.putBuffer(buf)
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, tooLarge()
			}
			return nil, newError(ErrMalformed, "request body could not be read")
		}
	}
	*buf = b
	return buf, nil
}
