// Package audit holds lambdasec-audit's rules, suppressions and report
// formats (text, JSON and SARIF 2.1.0).
//
// [Check] runs every rule of [Rules] over a parsed template. A rule never
// assumes the safe side of what it cannot see: a property that may be
// off under some Fn::If branch or parameter value is reported, and a
// setting that lives outside the template (an imported subnet, a
// parameter group by name) is reported where the rule needs it, so the
// owner either brings it into the template or suppresses the finding with
// a reason.
package audit
