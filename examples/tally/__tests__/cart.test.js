const { total, itemCount } = require("../src/cart");

const lines = [
  { priceCents: 250, quantity: 2 },
  { priceCents: 1000, quantity: 1 },
];

describe("total", () => {
  test("adds every line without a discount", () => {
    expect(total(lines)).toBe(1500);
  });

  test("takes a ten percent discount off", () => {
    expect(total(lines, 10)).toBe(1350);
  });

  test("takes a quarter off", () => {
    expect(total(lines, 25)).toBe(1125);
  });
});

describe("itemCount", () => {
  test("counts every unit", () => {
    expect(itemCount(lines)).toBe(3);
  });
});
