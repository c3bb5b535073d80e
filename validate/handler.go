package validate

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
)

// JSON returns a handler that decodes and validates the request body into
// a T with [Validator.DecodeJSON] and calls h with it. A rejected request
// goes to [Config.ErrorHandler] (by default [WriteError]) and h is not
// called. T must be a struct type; JSON checks it when called, and if T's
// tags are broken the error is logged and every request is answered 500,
// so call [Validator.Register] at start-up to catch that as an error.
func JSON[T any](v *Validator, h func(w http.ResponseWriter, r *http.Request, body T)) http.Handler {
	return adapter(v, v.DecodeJSON, h)
}

// Query is [JSON] for [Validator.DecodeQuery]: h receives a T filled from
// the query string and path values.
func Query[T any](v *Validator, h func(w http.ResponseWriter, r *http.Request, params T)) http.Handler {
	return adapter(v, v.DecodeQuery, h)
}

func adapter[T any](v *Validator, decode func(*http.Request, any) error, h func(http.ResponseWriter, *http.Request, T)) http.Handler {
	if v == nil || v.v == nil {
		// No logger or error handler to use: answer 500, never panic.
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { WriteError(w, r, errNotNew()) })
	}
	var zero T
	if _, _, err := v.target(&zero); err != nil {
		v.log.LogAttrs(context.Background(), slog.LevelError, "validate: handler cannot decode its type", slog.Any("error", err))
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			v.reject(w, r, err)
		})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var x T
		if err := decode(r, &x); err != nil {
			v.reject(w, r, err)
			return
		}
		h(w, r, x)
	})
}

// reject logs err and hands it to the error handler.
func (v *Validator) reject(w http.ResponseWriter, r *http.Request, err error) {
	ctx := r.Context()
	if code := StatusCode(err); code >= 500 {
		v.log.LogAttrs(ctx, slog.LevelError, "validate: request not decoded", slog.String("path", r.URL.Path), slog.Any("error", err))
	} else if v.log.Enabled(ctx, slog.LevelDebug) {
		attrs := []slog.Attr{slog.Int("status", code), slog.String("path", r.URL.Path)}
		var fe *FieldErrors
		if errors.As(err, &fe) {
			fields := make([]string, 0, len(fe.Errors))
			for _, e := range fe.Errors {
				fields = append(fields, escapeText(e.Field)+":"+e.Rule)
			}
			attrs = append(attrs, slog.Any("fields", fields))
		} else {
			attrs = append(attrs, slog.String("error", err.Error()))
		}
		v.log.LogAttrs(ctx, slog.LevelDebug, "validate: request rejected", attrs...)
	}
	v.errorHandler(w, r, err)
}
