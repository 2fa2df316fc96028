// HostTensor: conversion between ElementsAttr and host vectors, and the
// index arithmetic shared by the folders.
#include "dialects/Graph/ConstEval.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/SmallVector.h"

using namespace mlir;

namespace lmc::graph {

std::optional<HostTensor> HostTensor::fromAttr(Attribute attr) {
  auto dense = dyn_cast_or_null<DenseElementsAttr>(attr);
  if (!dense)
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(dense.getType());
  if (!type || !type.hasStaticShape() || type.getNumElements() > kMaxFoldElements)
    return std::nullopt;
  HostTensor t;
  t.type = type;
  Type elem = type.getElementType();
  int64_t n = type.getNumElements();
  if (isa<FloatType>(elem)) {
    t.isFloat = true;
    t.f.reserve(n);
    if (elem.isF32()) {
      for (float v : dense.getValues<float>())
        t.f.push_back(v);
    } else if (elem.isF64()) {
      for (double v : dense.getValues<double>())
        t.f.push_back(v);
    } else {
      for (APFloat v : dense.getValues<APFloat>()) {
        bool lost;
        v.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
        t.f.push_back(v.convertToDouble());
      }
    }
    return t;
  }
  auto intType = dyn_cast<IntegerType>(elem);
  if (!intType)
    return std::nullopt;
  t.i.reserve(n);
  bool isUnsigned = intType.isUnsigned() || intType.getWidth() == 1;
  for (APInt v : dense.getValues<APInt>())
    t.i.push_back(isUnsigned ? static_cast<int64_t>(v.getZExtValue()) : v.getSExtValue());
  return t;
}

HostTensor HostTensor::zeros(RankedTensorType type) {
  HostTensor t;
  t.type = type;
  t.isFloat = isa<FloatType>(type.getElementType());
  if (t.isFloat)
    t.f.assign(type.getNumElements(), 0.0);
  else
    t.i.assign(type.getNumElements(), 0);
  return t;
}

DenseElementsAttr HostTensor::toAttr() const {
  Type elem = type.getElementType();
  int64_t n = size();
  if (auto ft = dyn_cast<FloatType>(elem)) {
    if (ft.isF32()) {
      std::vector<float> v(n);
      for (int64_t k = 0; k < n; ++k)
        v[k] = static_cast<float>(getF(k));
      return DenseElementsAttr::get(type, llvm::ArrayRef<float>(v));
    }
    if (ft.isF64()) {
      std::vector<double> v(n);
      for (int64_t k = 0; k < n; ++k)
        v[k] = getF(k);
      return DenseElementsAttr::get(type, llvm::ArrayRef<double>(v));
    }
    llvm::SmallVector<APFloat> v;
    v.reserve(n);
    for (int64_t k = 0; k < n; ++k) {
      APFloat x(getF(k));
      bool lost;
      x.convert(ft.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
      v.push_back(x);
    }
    return DenseElementsAttr::get(type, v);
  }
  auto it = cast<IntegerType>(elem);
  if (it.getWidth() == 1) {
    std::vector<char> v(n);
    for (int64_t k = 0; k < n; ++k)
      v[k] = getI(k) != 0;
    llvm::SmallVector<bool> b(v.begin(), v.end());
    return DenseElementsAttr::get(type, llvm::ArrayRef<bool>(b));
  }
  llvm::SmallVector<APInt> v;
  v.reserve(n);
  for (int64_t k = 0; k < n; ++k)
    v.push_back(APInt(it.getWidth(), static_cast<uint64_t>(getI(k)), !it.isUnsigned()));
  return DenseElementsAttr::get(type, v);
}

std::vector<int64_t> rowMajorStrides(llvm::ArrayRef<int64_t> shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

std::vector<int64_t> broadcastIndices(llvm::ArrayRef<int64_t> inShape,
                                      llvm::ArrayRef<int64_t> outShape) {
  size_t rank = outShape.size(), lead = rank - inShape.size();
  std::vector<int64_t> inStrides = rowMajorStrides(inShape);
  // Stride of each output axis in the input: 0 where the input broadcasts.
  std::vector<int64_t> strides(rank, 0);
  for (size_t d = lead; d < rank; ++d)
    strides[d] = inShape[d - lead] == 1 ? 0 : inStrides[d - lead];
  int64_t n = 1;
  for (int64_t d : outShape)
    n *= d;
  std::vector<int64_t> result(n);
  std::vector<int64_t> idx(rank, 0);
  int64_t offset = 0;
  for (int64_t k = 0; k < n; ++k) {
    result[k] = offset;
    for (int64_t d = static_cast<int64_t>(rank) - 1; d >= 0; --d) {
      offset += strides[d];
      if (++idx[d] < outShape[d])
        break;
      offset -= strides[d] * outShape[d];
      idx[d] = 0;
    }
  }
  return result;
}

HostTensor gatherElements(const HostTensor &in, const std::vector<int64_t> &indices,
                          RankedTensorType type) {
  HostTensor out;
  out.type = type;
  out.isFloat = in.isFloat;
  if (in.isFloat) {
    out.f.reserve(indices.size());
    for (int64_t k : indices)
      out.f.push_back(in.f[k]);
  } else {
    out.i.reserve(indices.size());
    for (int64_t k : indices)
      out.i.push_back(in.i[k]);
  }
  return out;
}

}  // namespace lmc::graph
