// Command coordinate_go is the Go side of scripts/bench/coordinate.ts: it runs
// Serf 0.9.4's coordinate package on the same inputs as serfts's
// CoordinateClient so speed and accuracy can be compared side by side.
//
// Build offline against the Debian sources (GOPATH mode):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off go build -o /tmp/coordbench .
//
// Usage:
//
//	coordbench bench <matrix.json> <cycles> <seed> <reps>
//	    matrix.json holds {"truthMs": [[...], ...]}; each rep builds fresh
//	    clients, runs <cycles> rounds in which every node observes one random
//	    peer (Serf's phantom.go loop), and times them. Prints one JSON object.
//	coordbench scenarios <seeds>
//	    runs performance_test.go's scenarios once per seed 1..<seeds> (the
//	    upstream test only ever uses seed 1) and prints the median statistics
//	    per scenario as JSON; tests/coordinate/performance_test.ts quotes them.
package main

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/hashicorp/serf/coordinate"
)

func simulate(clients []*coordinate.Client, truth [][]time.Duration, cycles int) int {
	n, updates := len(clients), 0
	for cycle := 0; cycle < cycles; cycle++ {
		for i := range clients {
			if j := rand.Intn(n); j != i {
				clients[i].Update(fmt.Sprintf("node_%d", j), clients[j].GetCoordinate(), truth[i][j])
				updates++
			}
		}
	}
	return updates
}

// relativeErrors lists |estimate - truth| / truth for every pair i < j.
func relativeErrors(clients []*coordinate.Client, truth [][]time.Duration) []float64 {
	var errs []float64
	for i := range clients {
		for j := i + 1; j < len(clients); j++ {
			est := clients[i].DistanceTo(clients[j].GetCoordinate()).Seconds()
			actual := truth[i][j].Seconds()
			errs = append(errs, math.Abs(est-actual)/actual)
		}
	}
	return errs
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

func stats(errs []float64) (avg, max float64) {
	for _, e := range errs {
		avg += e
		max = math.Max(max, e)
	}
	return avg / float64(len(errs)), max
}

func clients(n int, config *coordinate.Config) []*coordinate.Client {
	cs, err := coordinate.GenerateClients(n, config)
	check(err)
	return cs
}

func bench(path string, cycles int, seed int64, reps int) {
	var doc struct {
		TruthMs [][]float64 `json:"truthMs"`
	}
	data, err := os.ReadFile(path)
	check(err)
	check(json.Unmarshal(data, &doc))
	truth := make([][]time.Duration, len(doc.TruthMs))
	for i, row := range doc.TruthMs {
		truth[i] = make([]time.Duration, len(row))
		for j, ms := range row {
			truth[i][j] = time.Duration(math.Round(ms * 1e6))
		}
	}
	var rates, medians, avgs, maxes []float64
	for rep := 0; rep < reps; rep++ {
		cs := clients(len(truth), coordinate.DefaultConfig())
		rand.Seed(seed + int64(rep))
		start := time.Now()
		updates := simulate(cs, truth, cycles)
		rates = append(rates, float64(updates)/time.Since(start).Seconds())
		errs := relativeErrors(cs, truth)
		avg, max := stats(errs)
		medians, avgs, maxes = append(medians, median(errs)), append(avgs, avg), append(maxes, max)
	}
	out, err := json.Marshal(map[string]float64{"updatesPerSecond": median(rates),
		"medianRelativeError": median(medians), "errorAvg": median(avgs), "errorMax": median(maxes)})
	check(err)
	fmt.Println(string(out))
}

// scenario runs one performance_test.go layout with the given seed.
func scenario(name string, seed int64) map[string]float64 {
	config := coordinate.DefaultConfig()
	nodes, cycles := 25, 1000
	var truth [][]time.Duration
	switch name {
	case "line":
		nodes = 10
		truth = coordinate.GenerateLine(nodes, 10*time.Millisecond)
	case "grid":
		truth = coordinate.GenerateGrid(nodes, 10*time.Millisecond)
	case "split":
		truth = coordinate.GenerateSplit(nodes, time.Millisecond, 10*time.Millisecond)
	case "height":
		config.Dimensionality = 2
		truth = coordinate.GenerateCircle(nodes, 100*time.Millisecond)
	case "random":
		// GenerateRandom always reseeds with 1; vary the matrix with the seed instead.
		rand.Seed(seed)
		truth = make([][]time.Duration, nodes)
		for i := range truth {
			truth[i] = make([]time.Duration, nodes)
		}
		for i := 0; i < nodes; i++ {
			for j := i + 1; j < nodes; j++ {
				rtt := time.Duration((rand.NormFloat64()*0.010 + 0.100) * 1e9)
				truth[i][j], truth[j][i] = rtt, rtt
			}
		}
	case "drift":
		return drift(seed)
	}
	cs := clients(nodes, config)
	rand.Seed(seed)
	simulate(cs, truth, cycles)
	avg, max := stats(relativeErrors(cs, truth))
	out := map[string]float64{"errorAvg": avg, "errorMax": max}
	if name == "height" {
		others := 0.0
		for _, c := range cs[1:] {
			others = math.Max(others, c.GetCoordinate().Height)
		}
		out["centerHeight"], out["maxOtherHeight"] = cs[0].GetCoordinate().Height, others
	}
	return out
}

// drift places four 2-D nodes on a square off the origin and reports how far
// gravity has pulled the square's centre in after 10000 more cycles.
func drift(seed int64) map[string]float64 {
	const side = 0.5
	config := coordinate.DefaultConfig()
	config.Dimensionality = 2
	cs := clients(4, config)
	corners := [][]float64{{0, 0}, {0, side}, {side, side}, {side, side}}
	for i, c := range cs {
		coord := c.GetCoordinate()
		coord.Vec = corners[i]
		check(c.SetCoordinate(coord))
	}
	truth := make([][]time.Duration, 4)
	for i := range truth {
		truth[i] = make([]time.Duration, 4)
		for j := range truth[i] {
			if i != j {
				rtt := time.Duration(side * 1e9)
				if i%2 == 0 && j%2 == 0 {
					rtt = time.Duration(math.Sqrt2 * float64(rtt))
				}
				truth[i][j] = rtt
			}
		}
	}
	center := func() float64 {
		lo, hi := cs[0].GetCoordinate().Vec, cs[0].GetCoordinate().Vec
		for _, c := range cs[1:] {
			for d, v := range c.GetCoordinate().Vec {
				lo[d], hi[d] = math.Min(lo[d], v), math.Max(hi[d], v)
			}
		}
		return math.Hypot(lo[0]+(hi[0]-lo[0])/2, lo[1]+(hi[1]-lo[1])/2)
	}
	rand.Seed(seed)
	simulate(cs, truth, 1000)
	baseline := center()
	simulate(cs, truth, 10000)
	return map[string]float64{"baseline": baseline, "after": center(), "ratio": center() / baseline}
}

func scenarios(seeds int) {
	result := map[string]map[string]float64{}
	for _, name := range []string{"line", "grid", "split", "height", "drift", "random"} {
		per := map[string][]float64{}
		for seed := int64(1); seed <= int64(seeds); seed++ {
			for k, v := range scenario(name, seed) {
				per[k] = append(per[k], v)
			}
		}
		result[name] = map[string]float64{}
		for k, vs := range per {
			result[name][k] = median(vs)
		}
	}
	out, err := json.Marshal(result)
	check(err)
	fmt.Println(string(out))
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	check(err)
	return n
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func main() {
	if len(os.Args) >= 6 && os.Args[1] == "bench" {
		bench(os.Args[2], atoi(os.Args[3]), int64(atoi(os.Args[4])), atoi(os.Args[5]))
	} else if len(os.Args) >= 3 && os.Args[1] == "scenarios" {
		scenarios(atoi(os.Args[2]))
	} else {
		fmt.Fprintln(os.Stderr, "usage: coordbench bench <matrix.json> <cycles> <seed> <reps> | scenarios <seeds>")
		os.Exit(2)
	}
}
