// Waiting work of several namespaces (tenants), handed out fairly: one FIFO per namespace, and an
// admission order that takes `weight` items from each namespace in turn (weighted round robin),
// starting at a cursor that moves past the namespace last served. So one tenant's burst cannot
// hold back another tenant's request: each gets the next free slot in turn.
//
//   FairQueue<Unit*> q;
//   q.push_back("tenant:a", u);           // arrival
//   q.push_front("tenant:a", v);          // preempted: first again in its namespace
//   for (Unit* u : q.order()) { ... admit or skip ...; q.served(ns of u); }
#pragma once
#include <algorithm>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace chunkserve {

template <class T>
class FairQueue {
 public:
  void push_back(const std::string& ns, T item) { lane(ns).push_back(item); }
  void push_front(const std::string& ns, T item) { lane(ns).push_front(item); }

  // Removes the item wherever it waits (no-op when it does not).
  void remove(const std::string& ns, T item) {
    auto it = lanes_.find(ns);
    if (it == lanes_.end()) return;
    auto& q = it->second;
    q.erase(std::remove(q.begin(), q.end(), item), q.end());
    if (q.empty()) drop(ns);
  }

  size_t size() const {
    size_t n = 0;
    for (const auto& [ns, q] : lanes_) n += q.size();
    return n;
  }
  bool empty() const { return lanes_.empty(); }

  // Items per turn for a namespace (>= 1; default 1).
  void set_weight(const std::string& ns, int weight) { weights_[ns] = std::max(1, weight); }

  // Every waiting item in admission order: weight items of each namespace in rotation order
  // from the cursor, then the next weight items of each, and so on. FIFO within a namespace.
  std::vector<T> order() const {
    std::vector<T> out;
    out.reserve(size());
    std::vector<size_t> taken(rotation_.size(), 0);
    const size_t n = rotation_.size();
    for (bool more = true; more;) {
      more = false;
      for (size_t k = 0; k < n; ++k) {
        const size_t r = (cursor_ + k) % n;
        const auto& q = lanes_.at(rotation_[r]);
        const size_t take = std::min(q.size() - taken[r], static_cast<size_t>(weight(rotation_[r])));
        for (size_t i = 0; i < take; ++i) out.push_back(q[taken[r] + i]);
        taken[r] += take;
        more = more || taken[r] < q.size();
      }
    }
    return out;
  }

  // The namespace got a slot: the next admission round starts with the namespace after it.
  void served(const std::string& ns) {
    const auto it = std::find(rotation_.begin(), rotation_.end(), ns);
    if (it != rotation_.end()) cursor_ = (static_cast<size_t>(it - rotation_.begin()) + 1) % rotation_.size();
  }

 private:
  std::deque<T>& lane(const std::string& ns) {
    auto [it, fresh] = lanes_.try_emplace(ns);
    if (fresh) rotation_.push_back(ns);
    return it->second;
  }
  void drop(const std::string& ns) {
    const auto it = std::find(rotation_.begin(), rotation_.end(), ns);
    const size_t r = static_cast<size_t>(it - rotation_.begin());
    rotation_.erase(it);
    lanes_.erase(ns);
    if (r < cursor_) --cursor_;
    if (cursor_ >= rotation_.size()) cursor_ = 0;
  }
  int weight(const std::string& ns) const {
    const auto it = weights_.find(ns);
    return it == weights_.end() ? 1 : it->second;
  }

  std::map<std::string, std::deque<T>> lanes_;  // namespace -> its FIFO (never empty)
  std::vector<std::string> rotation_;           // namespaces with waiting items, in arrival order
  size_t cursor_ = 0;                           // rotation index served first
  std::map<std::string, int> weights_;
};

}  // namespace chunkserve
