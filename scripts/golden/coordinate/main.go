// Command coordinate records golden vectors for serfts's Vivaldi client
// (lib/coordinate/client.ts) from Serf 0.9.4's own coordinate package.
//
// Each scenario starts clients at fixed coordinates and feeds them a fixed
// list of observations; after every observation it records the coordinate
// Go's client returns and Go's distance estimate to the observed peer. Go's
// client draws random numbers only when two coordinates coincide (or one sits
// on the origin during the gravity step), so all starting points are spread
// out and never meet; the TypeScript test replays with an RNG that throws if
// it is ever consulted, which proves the replay never took that branch.
//
// Build and run offline against the Debian sources (GOPATH mode):
//
//	cd scripts/golden/coordinate
//	GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off go build -o /tmp/coordgold .
//	/tmp/coordgold ../../../tests/data/golden/coordinate.json
package main

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/serf/coordinate"
)

// coord is the JSON shape of a coordinate, matching serfts's Coordinate type.
type coord struct {
	Vec        []float64 `json:"vec"`
	Error      float64   `json:"error"`
	Adjustment float64   `json:"adjustment"`
	Height     float64   `json:"height"`
}

func fromGo(c *coordinate.Coordinate) coord {
	return coord{Vec: c.Vec, Error: c.Error, Adjustment: c.Adjustment, Height: c.Height}
}

func toGo(c coord) *coordinate.Coordinate {
	vec := append([]float64(nil), c.Vec...)
	return &coordinate.Coordinate{Vec: vec, Error: c.Error, Adjustment: c.Adjustment, Height: c.Height}
}

// config mirrors CoordinateConfig's field names.
type config struct {
	Dimensionality       uint    `json:"dimensionality"`
	VivaldiErrorMax      float64 `json:"vivaldiErrorMax"`
	VivaldiCE            float64 `json:"vivaldiCE"`
	VivaldiCC            float64 `json:"vivaldiCC"`
	AdjustmentWindowSize uint    `json:"adjustmentWindowSize"`
	HeightMin            float64 `json:"heightMin"`
	LatencyFilterSize    uint    `json:"latencyFilterSize"`
	GravityRho           float64 `json:"gravityRho"`
}

func fromGoConfig(c *coordinate.Config) config {
	return config{c.Dimensionality, c.VivaldiErrorMax, c.VivaldiCE, c.VivaldiCC,
		c.AdjustmentWindowSize, c.HeightMin, c.LatencyFilterSize, c.GravityRho}
}

// step is one operation on one client: an update (Other, RttNs set) or,
// when Forget is set, dropping a peer's latency samples.
type step struct {
	Client     int    `json:"client"`
	Forget     string `json:"forget,omitempty"`
	Node       string `json:"node,omitempty"`
	Other      *coord `json:"other,omitempty"`
	RttNs      *int64 `json:"rttNs,omitempty"`
	Result     *coord `json:"result,omitempty"`
	DistanceNs *int64 `json:"distanceNs,omitempty"`
}

type scenario struct {
	Name    string  `json:"name"`
	Config  config  `json:"config"`
	Starts  []coord `json:"starts"`
	Steps   []step  `json:"steps"`
	Resets  []int   `json:"resets"`
	clients []*coordinate.Client
}

func newScenario(name string, cfg *coordinate.Config, starts []coord) *scenario {
	s := &scenario{Name: name, Config: fromGoConfig(cfg), Starts: starts}
	for _, start := range starts {
		c, err := coordinate.NewClient(cfg)
		check(err)
		check(c.SetCoordinate(toGo(start)))
		s.clients = append(s.clients, c)
	}
	return s
}

func (s *scenario) update(i int, node string, other *coordinate.Coordinate, rtt time.Duration) {
	in := fromGo(other.Clone())
	out, err := s.clients[i].Update(node, other, rtt)
	check(err)
	res := fromGo(out)
	rttNs, distanceNs := int64(rtt), int64(s.clients[i].DistanceTo(other))
	s.Steps = append(s.Steps, step{Client: i, Node: node, Other: &in, RttNs: &rttNs,
		Result: &res, DistanceNs: &distanceNs})
}

func (s *scenario) forget(i int, node string) {
	s.clients[i].ForgetNode(node)
	s.Steps = append(s.Steps, step{Client: i, Forget: node})
}

func (s *scenario) finish() *scenario {
	for _, c := range s.clients {
		s.Resets = append(s.Resets, c.Stats().Resets)
	}
	return s
}

// spread returns a coordinate with components uniform in [-scale, scale].
func spread(r *rand.Rand, dims int, scale float64) coord {
	c := coord{Vec: make([]float64, dims), Error: 0.2 + r.Float64(), Height: 1e-4 + r.Float64()*2e-3,
		Adjustment: (r.Float64() - 0.5) * 2e-3}
	for i := range c.Vec {
		c.Vec[i] = (r.Float64()*2 - 1) * scale
	}
	return c
}

// single: one client with Serf's defaults observing four fixed peers, with a
// latency spike, a zero round trip, sub-millisecond precision and a forget.
func single(r *rand.Rand) *scenario {
	cfg := coordinate.DefaultConfig()
	start := spread(r, 8, 0.02)
	start.Error = cfg.VivaldiErrorMax
	s := newScenario("single-default", cfg, []coord{start})
	names := []string{"alpha", "bravo", "charlie", "delta"}
	peers := make([]*coordinate.Coordinate, len(names))
	base := make([]float64, len(names))
	for k := range peers {
		peers[k] = toGo(spread(r, 8, 0.05))
		base[k] = 0.005 + r.Float64()*0.08
	}
	for n := 0; n < 80; n++ {
		k := r.Intn(len(names))
		rtt := time.Duration((base[k] * (0.9 + 0.2*r.Float64())) * 1e9)
		switch n {
		case 13:
			rtt = 950 * time.Millisecond
		case 21:
			rtt = 0
		case 30:
			rtt = 12345678 * time.Nanosecond
		case 50:
			s.forget(0, names[k])
		}
		s.update(0, names[k], peers[k], rtt)
	}
	return s.finish()
}

// mesh: six clients in three dimensions learning a random 3-D layout from
// each other, round robin, with a shorter adjustment window and longer filter.
func mesh(r *rand.Rand) *scenario {
	cfg := coordinate.DefaultConfig()
	cfg.Dimensionality = 3
	cfg.AdjustmentWindowSize = 5
	cfg.LatencyFilterSize = 5
	cfg.VivaldiCC = 0.5
	return peerToPeer(r, "mesh-3d", cfg, 6, 25)
}

// plane: four 2-D clients without adjustment or height floor, under strong
// gravity so that term is large enough to matter in the comparison.
func plane(r *rand.Rand) *scenario {
	cfg := coordinate.DefaultConfig()
	cfg.Dimensionality = 2
	cfg.AdjustmentWindowSize = 0
	cfg.HeightMin = 0
	cfg.GravityRho = 0.5
	return peerToPeer(r, "plane-2d-gravity", cfg, 4, 30)
}

func peerToPeer(r *rand.Rand, name string, cfg *coordinate.Config, nodes, cycles int) *scenario {
	dims := int(cfg.Dimensionality)
	starts := make([]coord, nodes)
	points := make([][]float64, nodes)
	for i := range starts {
		starts[i] = spread(r, dims, 0.03)
		points[i] = spread(r, dims, 0.05).Vec
	}
	s := newScenario(name, cfg, starts)
	for cycle := 0; cycle < cycles; cycle++ {
		for i := 0; i < nodes; i++ {
			j := (i + 1 + cycle%(nodes-1)) % nodes
			sum := 0.0
			for d := range points[i] {
				diff := points[i][d] - points[j][d]
				sum += diff * diff
			}
			rtt := time.Duration((0.001 + sum) * 1e9 * (0.95 + 0.1*r.Float64()) * 10)
			s.update(i, fmt.Sprintf("node_%d", j), s.clients[j].GetCoordinate(), rtt)
		}
	}
	return s.finish()
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func main() {
	out := "tests/data/golden/coordinate.json"
	if len(os.Args) > 1 {
		out = os.Args[1]
	}
	r := rand.New(rand.NewSource(20240611))
	scenarios := []*scenario{single(r), mesh(r), plane(r)}
	// One step a line: compact, yet diffs stay readable.
	var b strings.Builder
	b.WriteString("{\n\"generator\": \"scripts/golden/coordinate/main.go with serf 0.9.4's coordinate package\",\n")
	b.WriteString("\"scenarios\": [\n")
	for n, s := range scenarios {
		head, err := json.Marshal(map[string]interface{}{"name": s.Name, "config": s.Config, "starts": s.Starts,
			"resets": s.Resets})
		check(err)
		b.WriteString(strings.TrimSuffix(string(head), "}") + ",\"steps\": [\n")
		for k, st := range s.Steps {
			line, err := json.Marshal(st)
			check(err)
			b.Write(line)
			if k < len(s.Steps)-1 {
				b.WriteString(",")
			}
			b.WriteString("\n")
		}
		b.WriteString("]}")
		if n < len(scenarios)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("]}\n")
	data := []byte(b.String())
	check(os.WriteFile(out, data, 0o644))
}
