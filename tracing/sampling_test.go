package tracing

import "testing"

// The default sampler is built without parsing: it must be the one its
// document describes.
func TestDefaultSamplerIsTheDocument(t *testing.T) {
	built, err := newSampler(nil)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := newSampler([]byte(defaultSamplingRules))
	if err != nil {
		t.Fatal(err)
	}
	b, p := built.def, parsed.def
	if len(built.rules) != len(parsed.rules) || *b.FixedTarget != *p.FixedTarget || *b.Rate != *p.Rate ||
		b.Host != p.Host || b.HTTPMethod != p.HTTPMethod || b.URLPath != p.URLPath {
		t.Errorf("default sampler: %d rules, default %d/%v; the document: %d rules, default %d/%v",
			len(built.rules), *b.FixedTarget, *b.Rate, len(parsed.rules), *p.FixedTarget, *p.Rate)
	}
}
