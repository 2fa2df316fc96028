// Host-side evaluation of lmc_graph operations on constant tensors, used by
// the folders (and thereby by the importer's folding of shape subgraphs).
#ifndef LMC_DIALECTS_GRAPH_CONSTEVAL_H
#define LMC_DIALECTS_GRAPH_CONSTEVAL_H

#include <cstdint>
#include <optional>
#include <vector>

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"

namespace lmc::graph {

// Folding materializes results as attributes in the context; beyond this many
// elements it is cheaper to compute at run time.
inline constexpr int64_t kMaxFoldElements = int64_t(1) << 22;

// A constant on the host: floats as double, integers (and i1) as int64.
struct HostTensor {
  mlir::RankedTensorType type;
  bool isFloat = false;
  std::vector<double> f;
  std::vector<int64_t> i;

  static std::optional<HostTensor> fromAttr(mlir::Attribute attr);
  static HostTensor zeros(mlir::RankedTensorType type);
  mlir::DenseElementsAttr toAttr() const;
  int64_t size() const { return type.getNumElements(); }
  double getF(int64_t k) const { return isFloat ? f[k] : static_cast<double>(i[k]); }
  int64_t getI(int64_t k) const { return isFloat ? static_cast<int64_t>(f[k]) : i[k]; }
};

// Row-major strides of `shape`, in elements.
std::vector<int64_t> rowMajorStrides(llvm::ArrayRef<int64_t> shape);

// For each element of `outShape` (row-major), the row-major index of the
// element of `inShape` that broadcasting maps to it.
std::vector<int64_t> broadcastIndices(llvm::ArrayRef<int64_t> inShape,
                                      llvm::ArrayRef<int64_t> outShape);

// Gathers `in` at element indices `indices` (any type, a new tensor of `type`).
HostTensor gatherElements(const HostTensor &in, const std::vector<int64_t> &indices,
                          mlir::RankedTensorType type);

}  // namespace lmc::graph

#endif  // LMC_DIALECTS_GRAPH_CONSTEVAL_H
