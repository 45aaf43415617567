// examples/pmap_svd.cpp — the manual's pmap example: the singular values of 10 random
// 400×400 matrices computed on the workers with pmap (Eigen), checked against a serial run.
#include <Eigen/Dense>

#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include <weft/weft.hpp>

/// A dense matrix that can cross processes (column-major, as Eigen stores it).
struct Matrix {
    int n = 0;
    std::vector<double> a;
    template <class A>
    void serialize(A& ar) { ar(n, a); }
};

Matrix random_matrix(int n, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    Matrix m{n, std::vector<double>(static_cast<std::size_t>(n) * n)};
    for (double& x : m.a) x = u(rng);
    return m;
}

std::vector<double> svdvals(const Matrix& m) {
    Eigen::Map<const Eigen::MatrixXd> a(m.a.data(), m.n, m.n);
    Eigen::VectorXd s = Eigen::BDCSVD<Eigen::MatrixXd>(a).singularValues();
    return {s.data(), s.data() + s.size()};
}
WEFT_REMOTE(svdvals)

int main(int argc, char** argv) {
    weft::init(argc, argv);
    if (weft::nprocs() == 1) weft::addprocs(2);
    std::vector<Matrix> ms;
    for (unsigned i = 0; i < 10; ++i) ms.push_back(random_matrix(400, i + 1));

    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::vector<double>> par = weft::pmap(svdvals, ms);
    std::chrono::duration<double> tp = std::chrono::steady_clock::now() - t0;
    t0 = std::chrono::steady_clock::now();
    std::vector<std::vector<double>> ser;
    for (const auto& m : ms) ser.push_back(svdvals(m));
    std::chrono::duration<double> ts = std::chrono::steady_clock::now() - t0;

    bool same = par == ser;
    std::printf("largest singular values:");
    for (const auto& s : par) std::printf(" %.4f", s.front());
    std::printf("\n10 matrices of 400x400 on %d workers: pmap %.3f s, serial %.3f s; results %s\n", weft::nworkers(),
                tp.count(), ts.count(), same ? "identical to the serial run" : "DIFFER from the serial run");
    return same ? 0 : 1;
}
