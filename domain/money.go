package domain

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gonum.org/v1/gonum/stat/distuv"
)

// Economics is a workspace's money settings. Every amount of the workspace
// (unit values, costs, annual values) is in its currency; changing the
// currency relabels them, it converts nothing.
type Economics struct {
	Currency string // ISO 4217, e.g. EUR
	// CostPerContact is what handling one customer contact costs, in the
	// currency; nil when the workspace never said. The contact reasons
	// report prices contacts with it.
	CostPerContact *float64
}

// DefaultCurrency is the currency of a workspace that never set one.
const DefaultCurrency = "EUR"

// DefaultEconomics returns the settings of a workspace that never set any.
func DefaultEconomics() Economics { return Economics{Currency: DefaultCurrency} }

// currencies are the active ISO 4217 codes (list one, 2024), funds and
// precious metals left out.
var currencies = strings.Fields(`AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB
BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP
GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW
KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN
NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS
SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF
XCD XCG XOF XPF YER ZAR ZMW ZWG`)

// IsCurrency reports whether code is an active ISO 4217 currency code.
func IsCurrency(code string) bool {
	_, found := slices.BinarySearch(currencies, code)
	return found
}

// Validate checks the currency and the cost per contact.
func (e Economics) Validate() error {
	var fe fieldErrors
	if !IsCurrency(e.Currency) {
		fe.add("/currency", "must be an active ISO 4217 currency code in capitals, such as EUR, USD or GBP")
	}
	if e.CostPerContact != nil {
		validatePositiveAmount(&fe, "/cost_per_contact", *e.CostPerContact)
	}
	return fe.err()
}

// ValueDriver says how a change of one catalogue metric at one touchpoint
// turns into money: each unit of improvement is worth UnitValue per
// exposure, and the touchpoint sees ExposurePerYear exposures a year.
// Examples: handle time, 0.015 EUR per second × 120,000 calls; first-contact
// resolution, 4.50 EUR per contact resolved first time × 120,000 calls;
// churn, 480 EUR per customer kept × 50,000 customers; complaints per
// agent-week, 35 EUR per complaint × 2,600 agent-weeks.
type ValueDriver struct {
	ID              string
	WorkspaceID     string
	TouchpointID    string
	MetricID        string // a catalogue metric
	UnitValue       float64
	ExposurePerYear float64
	ExposureUnit    string // calls, visits, customers, agent-weeks
	Note            string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	Version         int
}

// Limits on value drivers and business cases.
const (
	MaxExposureUnitLength   = 100
	MaxDriverNoteLength     = 2000
	MaxExpectedImprovements = 20
	// MaxAmount bounds every amount, so that sums over a million ideas stay
	// exact enough and nobody types a typo of 10^20 into a report.
	MaxAmount = 1e12
)

// Validate checks the driver's own fields and lower-cases its ids. That the
// touchpoint and the metric exist in the workspace is the store's to check.
func (d *ValueDriver) Validate() error {
	var fe fieldErrors
	d.TouchpointID, d.MetricID = strings.ToLower(d.TouchpointID), strings.ToLower(d.MetricID)
	if !IsID(d.TouchpointID) {
		fe.add("/touchpoint_id", "must be a UUID")
	}
	if !IsID(d.MetricID) {
		fe.add("/metric_id", "must be a UUID")
	}
	validatePositiveAmount(&fe, "/unit_value", d.UnitValue)
	validatePositiveAmount(&fe, "/exposure_per_year", d.ExposurePerYear)
	d.ExposureUnit = strings.TrimSpace(d.ExposureUnit)
	validateName(&fe, "/exposure_unit", d.ExposureUnit, MaxExposureUnitLength)
	validateText(&fe, "/note", d.Note, MaxDriverNoteLength)
	return fe.err()
}

func validatePositiveAmount(fe *fieldErrors, pointer string, x float64) {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		fe.add(pointer, "must be a finite number")
	case x <= 0:
		fe.add(pointer, "must be above 0")
	case x > MaxAmount:
		fe.add(pointer, "must be at most %s", FormatMoney(MaxAmount))
	}
}

// AnnualValue is what an improvement worth delta a year: delta is in the
// metric's own unit (a share 0–1 for proportions, points for NPS, events
// per unit of exposure for counts), turned so that positive is better.
func (d ValueDriver) AnnualValue(delta float64) float64 {
	return delta * d.UnitValue * d.ExposurePerYear
}

// AnnualInterval maps an interval of improvement to money. AnnualValue is
// linear and increasing, so the ends map to the ends.
func (d ValueDriver) AnnualInterval(i Interval) Interval {
	return Interval{Low: d.AnnualValue(i.Low), High: d.AnnualValue(i.High)}
}

// MetricValue is the annual value of one metric's measured improvement.
type MetricValue struct {
	AnnualValue   float64
	CI            Interval
	Currency      string
	ValueDriverID string
	Explanation   string
}

// ValueOfResult turns a metric's direction-adjusted improvement and its
// interval into money with driver d. A result not computed has no value.
func ValueOfResult(r MetricResult, d ValueDriver, currency string) (MetricValue, bool) {
	if !r.Computed {
		return MetricValue{}, false
	}
	v := MetricValue{
		AnnualValue: d.AnnualValue(r.Improvement), CI: d.AnnualInterval(r.ImprovementCI),
		Currency: currency, ValueDriverID: d.ID,
	}
	unit := improvementUnit(r.Kind, r.Unit)
	per := unitWord(unit)
	if r.Kind == KindCount {
		per = " event" // the improvement is events per exposure; the driver prices one event
	}
	v.Explanation = "improvement " + formatQuantity(r.Improvement) + unit + " × " +
		formatQuantity(d.UnitValue) + " " + currency + " per" + per + " × " +
		FormatMoney(d.ExposurePerYear) + " " + d.ExposureUnit + " a year = " +
		FormatMoney(v.AnnualValue) + " " + currency + " a year; the improvement's interval " +
		formatQuantity(r.ImprovementCI.Low) + " to " + formatQuantity(r.ImprovementCI.High) + unit +
		" gives " + FormatMoney(v.CI.Low) + " to " + FormatMoney(v.CI.High) + " " + currency
	return v, true
}

// improvementUnit is how an improvement of a kind is written after its
// number: the metric's unit for means, a share for proportions.
func improvementUnit(k MetricKind, unit string) string {
	switch k {
	case KindProportion:
		return " (share)"
	case KindNPS:
		return " points"
	}
	if unit == "" {
		return ""
	}
	return " " + unit
}

// unitWord names what one unit of improvement is, after "per".
func unitWord(unit string) string {
	u := strings.TrimSpace(unit)
	switch {
	case u == "" || u == "(share)":
		return " unit"
	case len(u) > 2:
		u = strings.TrimSuffix(u, "s") // "points" → "point"; "s" stays
	}
	return " " + u
}

// ValueTotal is the annual value of all of a pilot's valued metrics.
type ValueTotal struct {
	AnnualValue float64
	CI          Interval
	Currency    string
	// RunningCost is the idea's annual running cost the value is compared
	// with; ProbabilityNetPositive is P(annual value > RunningCost).
	RunningCost            float64
	ProbabilityNetPositive float64
	Explanation            string
}

// TotalValue adds the metrics' values. The interval's half-widths add as a
// root sum of squares, which assumes the metrics' errors are independent
// (two metrics that move together, such as handle time and repeat calls,
// make it too narrow), each side separately so an asymmetric interval stays
// so. P(value > running cost) is from a normal approximation whose standard
// error is the total half-width ÷ z of the confidence level (1.959964 at
// 95 %). ok is false when there are no values.
func TotalValue(values []MetricValue, runningCost, confidence float64) (ValueTotal, bool) {
	if len(values) == 0 {
		return ValueTotal{}, false
	}
	t := ValueTotal{Currency: values[0].Currency, RunningCost: runningCost}
	var below, above float64
	for _, v := range values {
		t.AnnualValue += v.AnnualValue
		below += sq(v.AnnualValue - v.CI.Low)
		above += sq(v.CI.High - v.AnnualValue)
	}
	t.CI = Interval{Low: t.AnnualValue - math.Sqrt(below), High: t.AnnualValue + math.Sqrt(above)}
	z := distuv.UnitNormal.Quantile(0.5 + confidence/2)
	se := (t.CI.High - t.CI.Low) / 2 / z
	switch {
	case se > 0:
		t.ProbabilityNetPositive = distuv.UnitNormal.CDF((t.AnnualValue - runningCost) / se)
	case t.AnnualValue > runningCost:
		t.ProbabilityNetPositive = 1
	}
	t.Explanation = "sum of " + strconv.Itoa(len(values)) + " metric values = " + FormatMoney(t.AnnualValue) + " " + t.Currency +
		" a year; interval " + FormatMoney(t.CI.Low) + " to " + FormatMoney(t.CI.High) +
		" (half-widths added as a root sum of squares, assuming the metrics' errors are independent); P(value > running cost " +
		FormatMoney(runningCost) + ") = " + FormatChance(t.ProbabilityNetPositive) +
		" under a normal approximation with standard error " + FormatMoney(se)
	return t, true
}

func sq(x float64) float64 { return x * x }

// ExpectedImprovement is what an idea is expected to improve one driver's
// metric by, in the metric's unit, positive is better.
type ExpectedImprovement struct {
	ValueDriverID string
	Improvement   float64
}

// BusinessCaseInputs are the optional money fields of an idea.
type BusinessCaseInputs struct {
	OneOffCost           *float64
	AnnualRunningCost    *float64
	ExpectedImprovements []ExpectedImprovement
}

// Empty reports whether none of the inputs is given: the idea has no case.
func (in BusinessCaseInputs) Empty() bool {
	return in.OneOffCost == nil && in.AnnualRunningCost == nil && len(in.ExpectedImprovements) == 0
}

// Validate checks the inputs and lower-cases the driver ids. That each
// driver exists at a touchpoint the idea targets is the store's to check.
func (in *BusinessCaseInputs) Validate() error {
	var fe fieldErrors
	for _, c := range []struct {
		pointer string
		v       *float64
	}{{"/one_off_cost", in.OneOffCost}, {"/annual_running_cost", in.AnnualRunningCost}} {
		switch {
		case c.v == nil:
		case math.IsNaN(*c.v) || math.IsInf(*c.v, 0):
			fe.add(c.pointer, "must be a finite number")
		case *c.v < 0:
			fe.add(c.pointer, "must not be negative")
		case *c.v > MaxAmount:
			fe.add(c.pointer, "must be at most %s", FormatMoney(MaxAmount))
		}
	}
	if len(in.ExpectedImprovements) > MaxExpectedImprovements {
		fe.add("/expected_improvements", "must have at most %d improvements", MaxExpectedImprovements)
	}
	seen := map[string]bool{}
	for n := range in.ExpectedImprovements {
		e := &in.ExpectedImprovements[n]
		p := "/expected_improvements/" + strconv.Itoa(n)
		e.ValueDriverID = strings.ToLower(e.ValueDriverID)
		switch {
		case !IsID(e.ValueDriverID):
			fe.add(p+"/value_driver_id", "must be a UUID")
		case seen[e.ValueDriverID]:
			fe.add(p+"/value_driver_id", "is listed more than once")
		}
		seen[e.ValueDriverID] = true
		if math.IsNaN(e.Improvement) || math.IsInf(e.Improvement, 0) {
			fe.add(p+"/improvement", "must be a finite number")
		}
	}
	return fe.err()
}

// BusinessCase is the money an idea is expected to make, derived from its
// inputs and the drivers they name.
type BusinessCase struct {
	OneOffCost             float64
	AnnualRunningCost      float64
	ExpectedAnnualValue    float64
	ExpectedNetAnnualValue float64  // value − running cost
	PaybackMonths          *float64 // one-off ÷ (net ÷ 12); nil when net ≤ 0
	FirstYearROI           *float64 // (value − running − one-off) ÷ (one-off + running); nil when both costs are 0
	Currency               string
	Explanation            string
}

// NewBusinessCase computes the case of inputs with the drivers they name
// (by id; a driver missing from drivers counts nothing, the store makes
// sure none is). An idea with a realised value has a case even without
// inputs, so that the value its pilot proved is shown where a case is; ok is
// false when the inputs are empty and nothing was realised.
func NewBusinessCase(in BusinessCaseInputs, drivers map[string]ValueDriver, currency string, realised bool) (BusinessCase, bool) {
	c := BusinessCase{Currency: currency}
	if in.Empty() {
		c.Explanation = "no costs or expected improvements were given; the realised value is what the pilot that got the idea adopted measured"
		return c, realised
	}
	if in.OneOffCost != nil {
		c.OneOffCost = *in.OneOffCost
	}
	if in.AnnualRunningCost != nil {
		c.AnnualRunningCost = *in.AnnualRunningCost
	}
	var terms []string
	for _, e := range in.ExpectedImprovements {
		d, ok := drivers[e.ValueDriverID]
		if !ok {
			continue
		}
		v := d.AnnualValue(e.Improvement)
		c.ExpectedAnnualValue += v
		terms = append(terms, formatQuantity(e.Improvement)+" × "+formatQuantity(d.UnitValue)+" × "+
			FormatMoney(d.ExposurePerYear)+" "+d.ExposureUnit+" = "+FormatMoney(v))
	}
	c.ExpectedNetAnnualValue = c.ExpectedAnnualValue - c.AnnualRunningCost
	var b strings.Builder
	b.WriteString("expected annual value = ")
	if len(terms) == 0 {
		b.WriteString("0 (no expected improvements)")
	} else {
		b.WriteString(strings.Join(terms, " + "))
		if len(terms) > 1 {
			b.WriteString(" = " + FormatMoney(c.ExpectedAnnualValue))
		}
	}
	b.WriteString(" " + currency + "; net = " + FormatMoney(c.ExpectedAnnualValue) + " − " +
		FormatMoney(c.AnnualRunningCost) + " running = " + FormatMoney(c.ExpectedNetAnnualValue))
	if c.ExpectedNetAnnualValue > 0 {
		m := c.OneOffCost / (c.ExpectedNetAnnualValue / 12)
		c.PaybackMonths = &m
		b.WriteString("; payback = " + FormatMoney(c.OneOffCost) + " ÷ (" + FormatMoney(c.ExpectedNetAnnualValue) +
			" ÷ 12) = " + formatQuantity(m) + " months")
	} else {
		b.WriteString("; no payback: the net annual value is not above 0")
	}
	if costs := c.OneOffCost + c.AnnualRunningCost; costs > 0 {
		roi := (c.ExpectedAnnualValue - c.AnnualRunningCost - c.OneOffCost) / costs
		c.FirstYearROI = &roi
		b.WriteString("; first-year ROI = (" + FormatMoney(c.ExpectedAnnualValue) + " − " + FormatMoney(c.AnnualRunningCost) +
			" − " + FormatMoney(c.OneOffCost) + ") ÷ (" + FormatMoney(c.OneOffCost) + " + " + FormatMoney(c.AnnualRunningCost) +
			") = " + formatQuantity(roi))
	}
	c.Explanation = b.String()
	return c, true
}

// RealisedValue is the annual value a pilot measured for an idea it got
// adopted, with its interval.
type RealisedValue struct {
	AnnualValue float64
	CI          Interval
	PilotID     string
	At          time.Time
}

// FormatMoney prints an amount as people read money: thousands separators,
// a true minus sign, whole units from 100 up, else up to 2 decimals
// ("41,400", "−1,250", "4.5"); "—" for what is not a number.
func FormatMoney(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "—"
	}
	decimals := 2
	if math.Abs(x) >= 100 {
		decimals = 0
	}
	return groupThousands(strconv.FormatFloat(roundTo(x, decimals), 'f', -1, 64))
}

// FormatChance prints a probability in percent with one decimal at most,
// and "> 99.9 %" or "< 0.1 %" rather than a certainty it is not.
func FormatChance(p float64) string {
	switch {
	case p > 0.999:
		return "> 99.9 %"
	case p < 0.001:
		return "< 0.1 %"
	}
	return strconv.FormatFloat(math.Round(p*1000)/10, 'f', -1, 64) + " %"
}

// formatQuantity prints a unit value or an improvement: up to 4 significant
// decimals, so 0.015 and 0.04 survive, with thousands separators.
func formatQuantity(x float64) string {
	return groupThousands(strconv.FormatFloat(roundTo(x, 4), 'f', -1, 64))
}

func roundTo(x float64, decimals int) float64 {
	p := math.Pow10(decimals)
	r := math.Round(x*p) / p
	if r == 0 {
		return 0 // no "-0"
	}
	return r
}

// groupThousands puts a comma between each three digits of the integer part.
func groupThousands(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "−", s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for n, r := range whole {
		if n > 0 && (utf8.RuneCountInString(whole)-n)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return sign + b.String()
}

// MoneyStore keeps a workspace's economics and value drivers.
type MoneyStore interface {
	// GetEconomics returns the workspace's economics (defaults if never set) and its version.
	GetEconomics(ctx context.Context, workspaceID string) (Economics, int, error)
	// UpdateEconomics stores e at version and recomputes the business cases
	// of the workspace's ideas in the same transaction. EPreconditionFailed.
	UpdateEconomics(ctx context.Context, workspaceID string, version int, e Economics) (int, error)
	// CreateValueDriver stores a validated driver. EInvalid naming
	// /touchpoint_id or /metric_id when not in the workspace; EConflict
	// when the pair has a driver already.
	CreateValueDriver(ctx context.Context, d *ValueDriver) error
	// GetValueDriver returns one driver. ENotFound.
	GetValueDriver(ctx context.Context, workspaceID, id string) (*ValueDriver, error)
	// ListValueDrivers pages the drivers, at any of touchpointIDs (all when empty).
	ListValueDrivers(ctx context.Context, workspaceID string, touchpointIDs []string, page Page) ([]ValueDriver, *Cursor, error)
	// UpdateValueDriver is load–change–validate–save at version; it
	// recomputes the business cases of the ideas naming the driver in the
	// same transaction. ENotFound, EPreconditionFailed, EInvalid.
	UpdateValueDriver(ctx context.Context, workspaceID, id string, version int, change func(*ValueDriver) error) (*ValueDriver, error)
	// DeleteValueDriver removes it at version. ENotFound,
	// EPreconditionFailed, EConflict while an idea's business case names it.
	DeleteValueDriver(ctx context.Context, workspaceID, id string, version int) error
}
