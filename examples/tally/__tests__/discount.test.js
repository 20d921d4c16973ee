const { percentOff } = require("../src/discount");

test("a quarter of 400 cents is 100 cents", () => {
  expect(percentOff(400, 25)).toBe(100);
});

test("ten percent of 999 cents rounds to 100 cents", () => {
  expect(percentOff(999, 10)).toBe(100);
});

test("no discount is nothing off", () => {
  expect(percentOff(999, 0)).toBe(0);
});

test("refuses a discount over 100 percent", () => {
  expect(() => percentOff(100, 120)).toThrow(RangeError);
});
