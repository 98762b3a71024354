// Command prometheus reads a Prometheus text exposition (version 0.0.4) on
// standard input with Prometheus' own parser (github.com/prometheus/common/
// expfmt, from Debian's golang-github-prometheus-common-dev, which the serf
// sources already pull in) and prints the families it found as JSON, sorted
// by name. It exits 1 with the parser's message on anything the parser
// refuses, so serfts's tests can hold `/metrics` to the reference reader.
//
// Numbers are printed as strings in Go's shortest form (NaN, +Inf, -Inf kept).
//
// Build and run offline against the Debian sources (GOPATH mode):
//
//	cd scripts/golden/prometheus
//	GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off go build -o /tmp/promparse .
//	curl -s http://127.0.0.1:7380/metrics | /tmp/promparse
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"

	"github.com/prometheus/common/expfmt"
)

// series is one labelled series: Value for counters and gauges, the rest for histograms.
type series struct {
	Labels  map[string]string `json:"labels"`
	Value   string            `json:"value,omitempty"`
	Buckets map[string]string `json:"buckets,omitempty"`
	Sum     string            `json:"sum,omitempty"`
	Count   string            `json:"count,omitempty"`
}

// family is one metric family as the parser built it.
type family struct {
	Name   string   `json:"name"`
	Help   string   `json:"help"`
	Type   string   `json:"type"`
	Series []series `json:"series"`
}

// number spells a float as the text format does (NaN, +Inf, -Inf), exactly.
func number(v float64) string {
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func main() {
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out := []family{}
	for _, f := range fams {
		fam := family{Name: f.GetName(), Help: f.GetHelp(), Type: f.GetType().String()}
		for _, m := range f.Metric {
			s := series{Labels: map[string]string{}}
			for _, l := range m.Label {
				s.Labels[l.GetName()] = l.GetValue()
			}
			switch {
			case m.Counter != nil:
				s.Value = number(m.Counter.GetValue())
			case m.Gauge != nil:
				s.Value = number(m.Gauge.GetValue())
			case m.Histogram != nil:
				s.Buckets = map[string]string{}
				for _, b := range m.Histogram.Bucket {
					s.Buckets[number(b.GetUpperBound())] = fmt.Sprint(b.GetCumulativeCount())
				}
				s.Sum = number(m.Histogram.GetSampleSum())
				s.Count = fmt.Sprint(m.Histogram.GetSampleCount())
			}
			fam.Series = append(fam.Series, s)
		}
		out = append(out, fam)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
